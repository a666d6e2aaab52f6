import type { Knex } from 'knex';
import type { BoxSettings } from './schema';
import type { VoicemailBoxState } from './state';

// Table voicemail_boxes: one row per extension that has voicemail. extensions.voicemail_enabled
// is kept equal to "this row exists" by the boxes service (both directions).
export const TABLE = 'voicemail_boxes';

export const GREETING_KINDS = ['unavailable', 'busy', 'name', 'temporary'] as const;
export type GreetingKind = (typeof GREETING_KINDS)[number];

export interface BoxRow extends BoxSettings {
  extension_number: string;
  pin_hash: string | null; // argon2id; NULL: no PIN opens the box
  pin_weak: boolean;
  failed_logins: number;
  locked_until: Date | null;
  created_at: Date;
  updated_at: Date;
}

export type BoxWrite = Omit<BoxRow, 'created_at' | 'updated_at' | 'failed_logins' | 'locked_until'>;

const BOOLEANS = [
  'attach_audio',
  'delete_after_email',
  'transcribe',
  'skip_pin_from_own_phone',
  'pin_weak',
] as const;

function fromDb(raw: Record<string, unknown>): BoxRow {
  const row = { ...raw } as unknown as BoxRow;
  for (const b of BOOLEANS) row[b] = Boolean(raw[b]);
  return row;
}

// The one lookup the other voicemail parts (delivery, visual voicemail) use.
export async function getBox(db: Knex, number: string): Promise<BoxRow | undefined> {
  const raw = (await db(TABLE).where({ extension_number: number }).first()) as
    | Record<string, unknown>
    | undefined;
  return raw ? fromDb(raw) : undefined;
}

export async function listBoxes(db: Knex): Promise<Array<BoxRow & { display_name: string }>> {
  const rows = (await db(TABLE)
    .join('extensions', 'extensions.number', `${TABLE}.extension_number`)
    .select(`${TABLE}.*`, 'extensions.display_name')
    .orderByRaw('CHAR_LENGTH(voicemail_boxes.extension_number), voicemail_boxes.extension_number')) as Array<
    Record<string, unknown>
  >;
  return rows.map((r) => ({ ...fromDb(r), display_name: String(r['display_name']) }));
}

export async function insert(db: Knex, row: BoxWrite): Promise<void> {
  await db(TABLE).insert(row);
}

export async function update(db: Knex, number: string, row: Partial<BoxWrite>): Promise<number> {
  return db(TABLE)
    .where({ extension_number: number })
    .update({ ...row, updated_at: db.fn.now(3) });
}

export async function remove(db: Knex, number: string): Promise<number> {
  return db(TABLE).where({ extension_number: number }).delete();
}

export async function lock(db: Knex, number: string): Promise<BoxRow | undefined> {
  const raw = (await db(TABLE).where({ extension_number: number }).forUpdate().first()) as
    | Record<string, unknown>
    | undefined;
  return raw ? fromDb(raw) : undefined;
}

export async function listForRender(db: Knex): Promise<VoicemailBoxState[]> {
  return (await listBoxes(db)).map((b) => ({
    number: b.extension_number,
    name: b.display_name,
    pinSet: b.pin_hash !== null,
    skipPinFromOwnPhone: b.skip_pin_from_own_phone,
  }));
}

// ---- the PIN lockout, counted here so it holds across calls, phones and restarts

export async function isLocked(db: Knex, number: string): Promise<boolean> {
  const row = (await db(TABLE)
    .where({ extension_number: number })
    .where('locked_until', '>', db.fn.now(3))
    .first('extension_number')) as unknown;
  return row !== undefined;
}

// One wrong PIN, in one statement so two calls guessing at once both count. The failure that
// reaches maxFailures locks the box and starts the count again. True when this one locked it.
export async function countFailure(
  db: Knex,
  number: string,
  maxFailures: number,
  lockMinutes: number,
): Promise<boolean> {
  await db(TABLE)
    .where({ extension_number: number })
    .update({
      locked_until: db.raw('IF(failed_logins + 1 >= ?, NOW(3) + INTERVAL ? MINUTE, locked_until)', [
        maxFailures,
        lockMinutes,
      ]),
      failed_logins: db.raw('IF(failed_logins + 1 >= ?, 0, failed_logins + 1)', [maxFailures]),
    });
  return isLocked(db, number);
}

export async function clearFailures(db: Knex, number: string): Promise<void> {
  await db(TABLE).where({ extension_number: number }).update({ failed_logins: 0, locked_until: null });
}
