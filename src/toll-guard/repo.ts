import type { Knex } from 'knex';

// Tables extension_toll_limits, trunk_toll_limits, toll_settings (one row, id 1) and toll_alerts.
const EXT = 'extension_toll_limits';
const TRUNK = 'trunk_toll_limits';
const SETTINGS = 'toll_settings';
const ALERTS = 'toll_alerts';

export interface ExtensionLimitsRow {
  may_forward_external: boolean;
  forward_max_concurrent: number;
  intl_max_concurrent: number | null;
  intl_max_daily: number | null;
}

// What an extension without a row has: the migration's column defaults.
export const EXTENSION_DEFAULTS: ExtensionLimitsRow = {
  may_forward_external: false,
  forward_max_concurrent: 2,
  intl_max_concurrent: 2,
  intl_max_daily: 20,
};

export interface TrunkLimitsRow {
  intl_max_concurrent: number | null;
  intl_max_daily: number | null;
}

const extFromDb = (r: Record<string, unknown>): ExtensionLimitsRow => ({
  may_forward_external: Boolean(r['may_forward_external']),
  forward_max_concurrent: Number(r['forward_max_concurrent']),
  intl_max_concurrent: r['intl_max_concurrent'] == null ? null : Number(r['intl_max_concurrent']),
  intl_max_daily: r['intl_max_daily'] == null ? null : Number(r['intl_max_daily']),
});

export async function extensionLimits(db: Knex, number: string): Promise<ExtensionLimitsRow> {
  const row = (await db(EXT).where({ extension_number: number }).first()) as
    | Record<string, unknown>
    | undefined;
  return row ? extFromDb(row) : EXTENSION_DEFAULTS;
}

export async function saveExtensionLimits(db: Knex, number: string, row: ExtensionLimitsRow): Promise<void> {
  await db(EXT)
    .insert({ extension_number: number, ...row })
    .onConflict('extension_number')
    .merge({ ...row, updated_at: db.fn.now(3) });
}

export async function allExtensionLimits(
  db: Knex,
): Promise<Array<ExtensionLimitsRow & { extension: string }>> {
  const rows = (await db(EXT).orderBy('extension_number').select()) as Array<Record<string, unknown>>;
  return rows.map((r) => ({ extension: String(r['extension_number']), ...extFromDb(r) }));
}

export async function trunkName(db: Knex, id: number): Promise<string | undefined> {
  const row = (await db('trunks').where({ id }).first('name')) as { name: string } | undefined;
  return row?.name;
}

export async function trunkLimits(db: Knex, id: number): Promise<TrunkLimitsRow> {
  const row = (await db(TRUNK).where({ trunk_id: id }).first()) as Record<string, unknown> | undefined;
  return {
    intl_max_concurrent: row?.['intl_max_concurrent'] == null ? null : Number(row['intl_max_concurrent']),
    intl_max_daily: row?.['intl_max_daily'] == null ? null : Number(row['intl_max_daily']),
  };
}

export async function saveTrunkLimits(db: Knex, id: number, row: TrunkLimitsRow): Promise<void> {
  await db(TRUNK)
    .insert({ trunk_id: id, ...row })
    .onConflict('trunk_id')
    .merge({ ...row, updated_at: db.fn.now(3) });
}

export async function allTrunkLimits(db: Knex): Promise<Array<TrunkLimitsRow & { trunk: string }>> {
  const rows = (await db(`${TRUNK} as l`)
    .join('trunks as t', 't.id', 'l.trunk_id')
    .orderBy('t.name')
    .select('t.name', 'l.intl_max_concurrent', 'l.intl_max_daily')) as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    trunk: String(r['name']),
    intl_max_concurrent: r['intl_max_concurrent'] == null ? null : Number(r['intl_max_concurrent']),
    intl_max_daily: r['intl_max_daily'] == null ? null : Number(r['intl_max_daily']),
  }));
}

// Which of `numbers` are our own (an extension, queue or ring group): never external.
export async function internalNumbers(db: Knex, numbers: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const table of ['extensions', 'queues', 'ring_groups']) {
    const rows = (await db(table)
      .whereIn('number', [...numbers])
      .select('number')) as Array<{ number: string }>;
    for (const r of rows) found.add(String(r.number));
  }
  return found;
}

// The dial patterns of the emergency outbound routes: whatever the admin routes as emergency.
export async function emergencyPatterns(db: Knex): Promise<string[]> {
  const rows = (await db('outbound_routes').where({ class: 'emergency' }).select('patterns')) as Array<{
    patterns: string;
  }>;
  return rows.flatMap((r) => JSON.parse(r.patterns) as string[]);
}

export async function alertEmail(db: Knex): Promise<string | null> {
  const row = (await db(SETTINGS).where({ id: 1 }).first('alert_email')) as
    | { alert_email: string | null }
    | undefined;
  return row?.alert_email ?? null;
}

export async function saveAlertEmail(db: Knex, email: string | null): Promise<void> {
  await db(SETTINGS)
    .insert({ id: 1, alert_email: email })
    .onConflict('id')
    .merge({ alert_email: email, updated_at: db.fn.now(3) });
}

export interface AlertRow {
  id: number;
  scope: 'extension' | 'trunk';
  subject: string;
  limit_kind: 'concurrent' | 'daily';
  dialled: string;
  email_status: 'pending' | 'sending' | 'sent' | 'failed' | 'skipped';
  attempts: number;
  last_error: string | null;
  created_at: Date;
}

export type NewAlert = Pick<AlertRow, 'scope' | 'subject' | 'limit_kind' | 'dialled' | 'email_status'> & {
  channel_uid: string;
};

// Undefined when this channel's alert for this subject is already recorded.
export async function insertAlert(db: Knex, alert: NewAlert): Promise<number | undefined> {
  try {
    const [id] = await db(ALERTS).insert(alert);
    return id;
  } catch (err) {
    if ((err as { code?: string }).code === 'ER_DUP_ENTRY') return undefined;
    throw err;
  }
}

export async function listAlerts(db: Knex, limit: number, sinceMs?: number): Promise<AlertRow[]> {
  const q = db(ALERTS).orderBy('id', 'desc').limit(limit);
  if (sinceMs !== undefined) q.where('created_at', '>=', new Date(sinceMs));
  return (await q.select(
    'id',
    'scope',
    'subject',
    'limit_kind',
    'dialled',
    'email_status',
    'attempts',
    'last_error',
    'created_at',
  )) as AlertRow[];
}

export const MAX_ATTEMPTS = 5;

// Claims one due email (pending, or failed with attempts left and due): the update's row count
// says whether this process won it, so two processes never send the same alert.
export async function claimDue(db: Knex): Promise<AlertRow | undefined> {
  const due = (await db(ALERTS)
    .whereIn('email_status', ['pending', 'failed'])
    .andWhere('attempts', '<', MAX_ATTEMPTS)
    .andWhere('next_attempt_at', '<=', db.fn.now(3))
    .orderBy('id')
    .first('id')) as { id: number } | undefined;
  if (!due) return undefined;
  const won = await db(ALERTS)
    .where({ id: due.id })
    .whereIn('email_status', ['pending', 'failed'])
    .update({ email_status: 'sending', attempts: db.raw('attempts + 1') });
  if (won === 0) return undefined;
  return (await db(ALERTS).where({ id: due.id }).first()) as AlertRow;
}

export async function markSent(db: Knex, id: number): Promise<void> {
  await db(ALERTS)
    .where({ id })
    .update({ email_status: 'sent', sent_at: db.fn.now(3), last_error: null });
}

// Retried 1, 2, 4, 8 minutes later.
export async function markFailed(db: Knex, id: number, attempts: number, error: string): Promise<void> {
  await db(ALERTS)
    .where({ id })
    .update({
      email_status: 'failed',
      last_error: error.slice(0, 500),
      next_attempt_at: db.raw('NOW(3) + INTERVAL ? SECOND', [60 * 2 ** Math.max(0, attempts - 1)]),
    });
}

// A 'sending' claim older than this is a send that crashed mid-way: due again.
export async function releaseStale(db: Knex, staleSeconds: number): Promise<void> {
  await db(ALERTS)
    .where({ email_status: 'sending' })
    .andWhere('next_attempt_at', '<', db.raw('NOW(3) - INTERVAL ? SECOND', [staleSeconds]))
    .update({ email_status: 'failed', last_error: 'the previous attempt did not finish' });
}
