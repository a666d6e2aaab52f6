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
  caller: string;
}

const TABLE = 'queue_callbacks';

export interface CallbackRequest {
  queue: string;
  number: string;
  caller: string; // the asking call's caller ID ('' withheld)
  position: number;
  priority: number;
}

export interface CallbackCaps {
  maxPending: number;
  maxPerNumberPerDay: number;
  maxPerCallerPerDay: number;
}

// Why a request is refused: one open request per number across all queues; at most so many per
// number and per caller ID in 24 hours (any outcome counts, cancelled too: a refused or
// cancelled caller must not simply try again); at most so many open in the queue.
export type CapRefusal = 'number-open' | 'number-day' | 'caller-day' | 'queue-pending' | 'no-queue';

export async function capRefusal(
  db: Knex,
  req: { queue: string; caller: string; number?: string },
  caps: CallbackCaps,
): Promise<Exclude<CapRefusal, 'no-queue'> | null> {
  const count = async (where: (q: Knex.QueryBuilder) => void) => {
    const q = db(TABLE).count({ n: '*' });
    where(q);
    const [row] = (await q) as Array<{ n: number | string }>;
    return Number(row?.n ?? 0);
  };
  const lastDay = db.raw('NOW(3) - INTERVAL 1 DAY');
  const open = OPEN_STATUSES as CallbackStatus[];
  if (req.number !== undefined) {
    const number = req.number;
    if ((await count((q) => q.where({ number }).whereIn('status', open))) > 0) return 'number-open';
    if (
      (await count((q) => q.where({ number }).where('requested_at', '>', lastDay))) >= caps.maxPerNumberPerDay
    )
      return 'number-day';
  }
  if (
    (await count((q) => q.where({ caller: req.caller }).where('requested_at', '>', lastDay))) >=
    caps.maxPerCallerPerDay
  )
    return 'caller-day';
  if ((await count((q) => q.where({ queue: req.queue }).whereIn('status', open))) >= caps.maxPending)
    return 'queue-pending';
  return null;
}

// Stores a request unless a cap refuses it. The queues' rows are locked first, so two requests
// checked at the same moment (from any process) are counted one after the other.
export async function insertWithinCaps(
  db: Knex,
  req: CallbackRequest,
  caps: CallbackCaps,
): Promise<{ id: number } | { refused: CapRefusal }> {
  return db.transaction(
    async (trx) => {
      // Every queue's row, the asking queue's among them: a queue that no longer exists takes
      // no request, and with its row locked there is always a lock to wait on.
      const queues = (await trx('queues').select('number').orderBy('id').forUpdate()) as Array<{
        number: string;
      }>;
      if (!queues.some((q) => q.number === req.queue)) return { refused: 'no-queue' as const };
      const refused = await capRefusal(trx, req, caps);
      if (refused) return { refused };
      const [id] = await trx(TABLE).insert({ ...req, status: 'pending' });
      return { id: Number(id) };
    },
    { isolationLevel: 'read committed' },
  );
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
    caller: r.caller,
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
