import type { Knex } from 'knex';

// Tables call_handling (one row per extension that has set anything) and
// extension_blocked_callers (one row per extension and blocked caller number).
const TABLE = 'call_handling';
const BLOCKED = 'extension_blocked_callers';

export interface CallHandlingRow {
  extension_number: string;
  dnd: boolean;
  cfu_number: string | null;
  cfb_number: string | null;
  cfna_number: string | null;
}

export type CallHandlingWrite = Omit<CallHandlingRow, 'extension_number'>;

export const EMPTY: CallHandlingWrite = { dnd: false, cfu_number: null, cfb_number: null, cfna_number: null };

function fromDb(raw: Record<string, unknown>): CallHandlingRow {
  return {
    extension_number: String(raw['extension_number']),
    dnd: Boolean(raw['dnd']),
    cfu_number: (raw['cfu_number'] as string | null) ?? null,
    cfb_number: (raw['cfb_number'] as string | null) ?? null,
    cfna_number: (raw['cfna_number'] as string | null) ?? null,
  };
}

export async function extensionExists(db: Knex, number: string, lock = false): Promise<boolean> {
  const q = db('extensions').where({ number }).first('number');
  return Boolean(await (lock ? q.forUpdate() : q));
}

export async function get(db: Knex, number: string, lock = false): Promise<CallHandlingRow | undefined> {
  const q = db(TABLE).where({ extension_number: number }).first();
  const raw = (await (lock ? q.forUpdate() : q)) as Record<string, unknown> | undefined;
  return raw ? fromDb(raw) : undefined;
}

export async function save(db: Knex, number: string, row: CallHandlingWrite): Promise<void> {
  await db(TABLE)
    .insert({ extension_number: number, ...row })
    .onConflict('extension_number')
    .merge({ ...row, updated_at: db.fn.now(3) });
}

export async function listAll(db: Knex): Promise<CallHandlingRow[]> {
  const rows = (await db(TABLE).select()) as Array<Record<string, unknown>>;
  return rows.map(fromDb);
}

export async function listBlocked(
  db: Knex,
  number: string,
): Promise<Array<{ caller_number: string; created_at: Date }>> {
  return db(BLOCKED)
    .where({ extension_number: number })
    .orderBy('caller_number')
    .select('caller_number', 'created_at');
}

export async function listAllBlocked(
  db: Knex,
): Promise<Array<{ extension_number: string; caller_number: string }>> {
  return db(BLOCKED).select('extension_number', 'caller_number');
}

// True when the row is new.
export async function addBlocked(db: Knex, number: string, caller: string): Promise<boolean> {
  try {
    await db(BLOCKED).insert({ extension_number: number, caller_number: caller });
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === 'ER_DUP_ENTRY') return false;
    throw err;
  }
}

export async function removeBlocked(db: Knex, number: string, caller: string): Promise<number> {
  return db(BLOCKED).where({ extension_number: number, caller_number: caller }).delete();
}
