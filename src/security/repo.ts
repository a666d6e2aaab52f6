import type { Knex } from 'knex';

export interface BanRow {
  id: number;
  address: string;
  reason: string;
  failures: number;
  banned_at: Date;
  expires_at: Date;
  lifted_at: Date | null;
  lifted_by: string | null;
}

export interface Ban {
  id: number;
  address: string;
  reason: string;
  failures: number;
  banned_at: string;
  expires_at: string;
  lifted_at: string | null;
  lifted_by: string | null;
  active: boolean;
}

const TABLE = 'sip_bans';

export function toApi(row: BanRow, now: Date): Ban {
  return {
    id: row.id,
    address: row.address,
    reason: row.reason,
    failures: row.failures,
    banned_at: row.banned_at.toISOString(),
    expires_at: row.expires_at.toISOString(),
    lifted_at: row.lifted_at?.toISOString() ?? null,
    lifted_by: row.lifted_by,
    active: row.lifted_at === null && row.expires_at > now,
  };
}

const active = (db: Knex, now: Date) =>
  db<BanRow>(TABLE).whereNull('lifted_at').where('expires_at', '>', now);

// The addresses the ACL refuses now, sorted so the rendered file is stable.
export async function activeAddresses(db: Knex, now: Date): Promise<string[]> {
  const rows = (await active(db, now).distinct('address')) as Array<{ address: string }>;
  return rows.map((r) => r.address).sort();
}

export async function isBanned(db: Knex, address: string, now: Date): Promise<boolean> {
  return (await active(db, now).where({ address }).first('id')) !== undefined;
}

export async function insert(
  db: Knex,
  row: { address: string; reason: string; failures: number; banned_at: Date; expires_at: Date },
): Promise<number> {
  const [id] = await db(TABLE).insert(row);
  return Number(id);
}

// Active bans first (soonest to end first), then the history, newest first.
export async function list(db: Knex, limit: number): Promise<BanRow[]> {
  return (await db<BanRow>(TABLE)
    .orderByRaw('(lifted_at IS NULL AND expires_at > ?) DESC', [new Date()])
    .orderBy('banned_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)) as BanRow[];
}

export async function find(db: Knex, id: number): Promise<BanRow | undefined> {
  return db<BanRow>(TABLE).where({ id }).first();
}

export async function lift(db: Knex, id: number, by: string, now: Date): Promise<number> {
  return active(db, now).where({ id }).update({ lifted_at: now, lifted_by: by });
}

export async function nextExpiry(db: Knex, now: Date): Promise<Date | null> {
  const row = (await active(db, now).min({ next: 'expires_at' }).first()) as
    | { next: Date | null }
    | undefined;
  return row?.next ?? null;
}

export interface AllowRow {
  id: number;
  cidr: string;
  note: string | null;
  created_by: string;
  created_at: Date;
}

export async function allowlist(db: Knex): Promise<AllowRow[]> {
  return (await db<AllowRow>('sip_ban_allowlist').orderBy('cidr')) as AllowRow[];
}

export async function allow(
  db: Knex,
  row: { cidr: string; note: string | null; created_by: string },
): Promise<number> {
  const [id] = await db('sip_ban_allowlist').insert(row);
  return Number(id);
}

export async function disallow(db: Knex, id: number): Promise<number> {
  return db('sip_ban_allowlist').where({ id }).delete();
}

// Active bans of the addresses `covered` matches, lifted by `by`: returns how many.
export async function liftMatching(
  db: Knex,
  covered: (address: string) => boolean,
  by: string,
  now: Date,
): Promise<number> {
  const rows = (await active(db, now).select('id', 'address')) as Array<{ id: number; address: string }>;
  const ids = rows.filter((r) => covered(r.address)).map((r) => r.id);
  if (ids.length === 0) return 0;
  return active(db, now).whereIn('id', ids).update({ lifted_at: now, lifted_by: by });
}
