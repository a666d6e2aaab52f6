import type { Knex } from 'knex';
import { seal, unseal } from '../lib/sealed';
import type { Codec, Extension, ServiceClass } from './schema';
import type { ExtensionState } from './state';

export interface ExtensionRow {
  number: string;
  display_name: string;
  caller_id_name: string | null;
  caller_id_number: string | null;
  email: string | null;
  sip_secret: string;
  // NULL: the number (see the migration that added it).
  auth_username: string | null;
  max_contacts: number;
  codecs: string;
  voicemail_enabled: number | boolean;
  classes: string;
  outbound_caller_id: string | null;
  language: string | null;
  created_at: Date;
  updated_at: Date;
}

export type ExtensionWrite = Omit<ExtensionRow, 'created_at' | 'updated_at'>;

const TABLE = 'extensions';

// Numbers sort as numbers: shorter first, then lexically (all digits, no leading zero).
const ORDER = [{ column: 'number_len', order: 'asc' as const }, { column: 'number' }];

export function toApi(row: ExtensionRow): Extension {
  return {
    number: row.number,
    display_name: row.display_name,
    caller_id_name: row.caller_id_name,
    caller_id_number: row.caller_id_number,
    email: row.email,
    auth_username: row.auth_username ?? row.number,
    max_contacts: row.max_contacts,
    codecs: row.codecs.split(',') as Codec[],
    voicemail_enabled: Boolean(row.voicemail_enabled),
    classes: row.classes.split(',') as ServiceClass[],
    outbound_caller_id: row.outbound_caller_id,
    language: row.language,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export async function findByNumber(db: Knex, number: string): Promise<ExtensionRow | undefined> {
  return db<ExtensionRow>(TABLE).where({ number }).first();
}

// Writes take the SIP secret in clear and store it sealed (src/lib/sealed.ts); only toState (the
// config renderer), plainSecret (reveal, export with secrets) open it again.
const sealed = <T extends Partial<ExtensionWrite>>(row: T): T =>
  row.sip_secret === undefined ? row : { ...row, sip_secret: seal(row.sip_secret) };

export function plainSecret(row: Pick<ExtensionRow, 'sip_secret'>): string {
  return unseal(row.sip_secret);
}

export async function insert(db: Knex, row: ExtensionWrite): Promise<void> {
  await db(TABLE).insert(sealed(row));
}

export async function insertMany(db: Knex, rows: readonly ExtensionWrite[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) await db(TABLE).insert(rows.slice(i, i + 500).map(sealed));
}

export async function update(db: Knex, number: string, row: Partial<ExtensionWrite>): Promise<number> {
  return db(TABLE)
    .where({ number })
    .update({ ...sealed(row), updated_at: db.fn.now(3) });
}

export async function remove(db: Knex, number: string): Promise<number> {
  return db(TABLE).where({ number }).delete();
}

export async function page(
  db: Knex,
  opts: { limit: number; after?: string | undefined; q?: string | undefined },
): Promise<{ rows: ExtensionRow[]; total: number }> {
  const filter = (qb: Knex.QueryBuilder) => {
    if (opts.q) {
      const like = `%${opts.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      qb.where((w) =>
        w.where('number', 'like', like).orWhere('display_name', 'like', like).orWhere('email', 'like', like),
      );
    }
  };
  const query = db<ExtensionRow>(TABLE)
    .select('*', db.raw('CHAR_LENGTH(number) AS number_len'))
    .modify(filter)
    .orderBy(ORDER)
    .limit(opts.limit);
  if (opts.after) {
    const after = opts.after;
    query.where((w) =>
      w
        .whereRaw('CHAR_LENGTH(number) > ?', [after.length])
        .orWhere((w2) =>
          w2.whereRaw('CHAR_LENGTH(number) = ?', [after.length]).andWhere('number', '>', after),
        ),
    );
  }
  const [rows, countRow] = await Promise.all([
    query,
    db(TABLE).modify(filter).count<{ n: number }[]>({ n: '*' }).first(),
  ]);
  return { rows: rows as ExtensionRow[], total: Number(countRow?.n ?? 0) };
}

export async function listAll(db: Knex): Promise<ExtensionRow[]> {
  return db<ExtensionRow>(TABLE).select('*', db.raw('CHAR_LENGTH(number) AS number_len')).orderBy(ORDER);
}

export async function listAllForRender(db: Knex): Promise<ExtensionState[]> {
  return (await db<ExtensionRow>(TABLE).select('*')).map(toState);
}

export async function listForRender(db: Knex, numbers: readonly string[]): Promise<ExtensionState[]> {
  return (await db<ExtensionRow>(TABLE).whereIn('number', numbers)).map(toState);
}

function toState(r: ExtensionRow): ExtensionState {
  return {
    number: r.number,
    displayName: r.display_name,
    callerIdName: r.caller_id_name,
    callerIdNumber: r.caller_id_number,
    email: r.email,
    sipSecret: unseal(r.sip_secret),
    authUsername: r.auth_username ?? r.number,
    maxContacts: r.max_contacts,
    codecs: r.codecs.split(','),
    voicemailEnabled: Boolean(r.voicemail_enabled),
    classes: r.classes.split(','),
    outboundCallerId: r.outbound_caller_id,
    language: r.language,
  };
}
