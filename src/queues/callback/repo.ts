import type { Knex } from 'knex';
import { type CallbackStatus, type CallbackView, OPEN_STATUSES } from './schema';

export interface CallbackRow {
  id: number;
  queue: string;
  number: string;
  position: number;
  priority: number;
  requested_at: Date;
  status: CallbackStatus;
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  placeholder_channel: string | null;
  placeholder_seq: number;
  connected_at: Date | null;
  closed_at: Date | null;
  closed_by: string | null;
}

const TABLE = 'queue_callbacks';

export async function insert(
  db: Knex,
  req: { queue: string; number: string; position: number; priority: number },
): Promise<number> {
  const [id] = await db(TABLE).insert({ ...req, status: 'pending' });
  return Number(id);
}

export async function find(db: Knex, id: number): Promise<CallbackRow | undefined> {
  return db(TABLE).where({ id }).first();
}

// Open requests in the order their places were taken: higher priority first, then first come.
export async function listOpen(db: Knex): Promise<CallbackRow[]> {
  return db(TABLE)
    .whereIn('status', OPEN_STATUSES as CallbackStatus[])
    .orderBy([
      { column: 'priority', order: 'desc' },
      { column: 'requested_at', order: 'asc' },
      { column: 'id', order: 'asc' },
    ]);
}

export async function list(
  db: Knex,
  filter: { status?: CallbackStatus | undefined; queue?: string | undefined; limit?: number | undefined },
): Promise<CallbackRow[]> {
  const q = db(TABLE)
    .orderBy('id', 'desc')
    .limit(filter.limit ?? 200);
  if (filter.status) q.where('status', filter.status);
  if (filter.queue) q.where('queue', filter.queue);
  return q;
}

// A status change that happens only if the row is still in the state the caller saw: the
// affected-row count says whether this process won the transition.
export async function transition(
  db: Knex,
  id: number,
  from: { status: CallbackStatus | readonly CallbackStatus[]; [column: string]: unknown },
  to: Record<string, unknown>,
): Promise<boolean> {
  const { status, ...rest } = from;
  const q = db(TABLE).where({ id, ...rest });
  if (typeof status === 'string') q.where('status', status);
  else q.whereIn('status', status as CallbackStatus[]);
  const changed = await q.update(to);
  return changed === 1;
}

export function toView(r: CallbackRow): CallbackView {
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  return {
    id: r.id,
    queue: r.queue,
    number: r.number,
    position: r.position,
    priority: r.priority,
    status: r.status,
    attempts: r.attempts,
    requested_at: new Date(r.requested_at).toISOString(),
    next_attempt_at: new Date(r.next_attempt_at).toISOString(),
    last_error: r.last_error,
    connected_at: iso(r.connected_at),
    closed_at: iso(r.closed_at),
    closed_by: r.closed_by,
  };
}
