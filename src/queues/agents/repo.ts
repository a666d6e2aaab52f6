import type { Knex } from 'knex';

export interface SessionRow {
  queue_id: number;
  extension_number: string;
  logged_in: boolean;
  paused: boolean;
  pause_reason: string | null;
  changed_at: Date;
}

interface RawSession extends Omit<SessionRow, 'logged_in' | 'paused'> {
  logged_in: number | boolean;
  paused: number | boolean;
}

const toRow = (r: RawSession): SessionRow => ({
  ...r,
  logged_in: Boolean(r.logged_in),
  paused: Boolean(r.paused),
});

// Sessions of members still in their queue (a member removed from the queue leaves no agent).
export async function sessions(db: Knex, queueIds?: readonly number[]): Promise<SessionRow[]> {
  const q = db('queue_agent_sessions as s')
    .join('queue_members as m', function () {
      this.on('m.queue_id', 's.queue_id').andOn('m.extension_number', 's.extension_number');
    })
    .select('s.*')
    .orderBy(['s.queue_id', 's.extension_number']);
  if (queueIds) q.whereIn('s.queue_id', queueIds);
  return ((await q) as RawSession[]).map(toRow);
}

// lock: inside a change's transaction, so two changes of one agent cannot interleave.
export async function find(db: Knex, queueId: number, ext: string, lock = false): Promise<SessionRow | null> {
  const q = db('queue_agent_sessions').where({ queue_id: queueId, extension_number: ext });
  if (lock) q.forUpdate();
  const row = (await q.first()) as RawSession | undefined;
  return row ? toRow(row) : null;
}

export async function save(
  db: Knex,
  queueId: number,
  ext: string,
  state: { logged_in: boolean; paused: boolean; pause_reason: string | null },
): Promise<void> {
  await db('queue_agent_sessions')
    .insert({ queue_id: queueId, extension_number: ext, ...state, changed_at: db.fn.now(3) })
    .onConflict(['queue_id', 'extension_number'])
    .merge();
}

// Queues (numbers) where the extension is a member: dynamic only, or any.
export async function queuesOfMember(
  db: Knex,
  ext: string,
  only: 'dynamic' | 'any',
): Promise<Array<{ number: string; dynamic: boolean }>> {
  const q = db('queue_members as m')
    .join('queues as q', 'q.id', 'm.queue_id')
    .where('m.extension_number', ext)
    .orderBy('q.number')
    .select('q.number', 'm.dynamic');
  if (only === 'dynamic') q.where('m.dynamic', true);
  const rows = (await q) as Array<{ number: string; dynamic: number | boolean }>;
  return rows.map((r) => ({ number: r.number, dynamic: Boolean(r.dynamic) }));
}
