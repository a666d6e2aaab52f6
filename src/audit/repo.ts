import type { Knex } from 'knex';
import { redact } from './redact';

export type AuditVia = 'session' | 'token' | 'system' | 'phone';

// One event for the log. before/after are redacted here, whatever the caller passed.
export interface AuditEntry {
  actorUserId?: number | null;
  actor: string;
  via: AuditVia;
  ip?: string | null;
  method?: string | null;
  action: string;
  summary?: string | null;
  objectType?: string | null;
  objectId?: string | null;
  before?: unknown;
  after?: unknown;
  outcome?: string;
}

export interface AuditRow {
  id: number;
  at: string;
  actor_user_id: number | null;
  actor: string;
  via: AuditVia;
  ip: string | null;
  method: string | null;
  action: string;
  summary: string | null;
  object_type: string | null;
  object_id: string | null;
  before: unknown;
  after: unknown;
  outcome: string;
}

const json = (v: unknown): string | null =>
  v === undefined || v === null ? null : JSON.stringify(redact(v));
const cut = (v: string | null | undefined, n: number): string | null => (v == null ? null : v.slice(0, n));

// Writes one audit row with the given connection: pass the transaction of the change it
// records, so the row and the change commit (or roll back) together. Returns the row's id.
export async function recordAudit(db: Knex | Knex.Transaction, entry: AuditEntry): Promise<number> {
  const [id] = await db('audit_log').insert({
    actor_user_id: entry.actorUserId ?? null,
    actor: cut(entry.actor, 128) ?? 'unknown',
    via: entry.via,
    ip: cut(entry.ip, 64),
    method: cut(entry.method, 8),
    action: cut(entry.action, 255) ?? '',
    summary: cut(entry.summary, 255),
    object_type: cut(entry.objectType, 64),
    object_id: cut(entry.objectId, 128),
    before: json(entry.before),
    after: json(entry.after),
    outcome: cut(entry.outcome ?? 'ok', 32),
  });
  return Number(id);
}

export async function setAuditOutcome(db: Knex, id: number, outcome: string): Promise<void> {
  await db('audit_log')
    .where({ id })
    .update({ outcome: outcome.slice(0, 32) });
}

export async function setAuditObjectId(db: Knex, id: number, objectId: string): Promise<void> {
  await db('audit_log')
    .where({ id })
    .whereNull('object_id')
    .update({ object_id: objectId.slice(0, 128) });
}

export interface AuditFilter {
  actor?: string | undefined;
  action?: string | undefined;
  objectType?: string | undefined;
  objectId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  page: number;
  perPage: number;
}

// Newest first; `action` matches part of the action or of its summary (case-insensitive by the
// column's collation); the date range is [from, to).
export async function listAudit(db: Knex, f: AuditFilter): Promise<{ items: AuditRow[]; total: number }> {
  const q = db('audit_log');
  if (f.actor) q.where('actor', f.actor);
  if (f.action) {
    const like = `%${f.action.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q.where((w) => w.where('action', 'like', like).orWhere('summary', 'like', like));
  }
  if (f.objectType) q.where('object_type', f.objectType);
  if (f.objectId) q.where('object_id', f.objectId);
  if (f.from) q.where('at', '>=', f.from);
  if (f.to) q.where('at', '<', f.to);
  const [count] = (await q.clone().count({ n: '*' })) as Array<{ n: number | string }>;
  const rows = (await q
    .orderBy('id', 'desc')
    .limit(f.perPage)
    .offset((f.page - 1) * f.perPage)
    .select('*')) as Array<Record<string, unknown>>;
  return { items: rows.map(toRow), total: Number(count?.n ?? 0) };
}

function parseJson(v: unknown): unknown {
  if (typeof v !== 'string') return v ?? null;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

function toRow(r: Record<string, unknown>): AuditRow {
  return {
    id: Number(r['id']),
    at: r['at'] instanceof Date ? r['at'].toISOString() : String(r['at']),
    actor_user_id: r['actor_user_id'] == null ? null : Number(r['actor_user_id']),
    actor: String(r['actor']),
    via: r['via'] as AuditVia,
    ip: (r['ip'] as string | null) ?? null,
    method: (r['method'] as string | null) ?? null,
    action: String(r['action']),
    summary: (r['summary'] as string | null) ?? null,
    object_type: (r['object_type'] as string | null) ?? null,
    object_id: (r['object_id'] as string | null) ?? null,
    before: parseJson(r['before']),
    after: parseJson(r['after']),
    outcome: String(r['outcome']),
  };
}

// Retention: rows older than `days` go (in batches, so a first purge of years of rows does not
// hold a long lock); 0 keeps everything. Returns how many were deleted.
export async function purgeAudit(db: Knex, days: number, now = new Date()): Promise<number> {
  if (days <= 0) return 0;
  const before = new Date(now.getTime() - days * 86_400_000);
  let deleted = 0;
  for (;;) {
    const n = await db('audit_log').where('at', '<', before).orderBy('id').limit(5000).delete();
    deleted += n;
    if (n < 5000) return deleted;
  }
}
