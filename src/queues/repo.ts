import type { Knex } from 'knex';
import type { QueueMemberState, QueueState, QueueStrategy } from './state';

export interface QueueRow {
  id: number;
  number: string;
  name: string;
  strategy: QueueStrategy;
  ring_seconds: number;
  retry_seconds: number;
  wrap_up_seconds: number;
  service_level_seconds: number;
  max_wait_seconds: number;
  max_callers: number;
  join_when_empty: number | boolean;
  leave_when_empty: number | boolean;
  announce_position: number | boolean;
  announce_hold_time: number | boolean;
  periodic_announce_greeting_id: number | null;
  periodic_announce_seconds: number;
  moh_class: string;
  vip_priority: number;
  failover_destination_type: string;
  failover_destination_target: string;
  callback_enabled: number | boolean;
  callback_key: string;
  callback_max_attempts: number;
  callback_retry_seconds: number;
  callback_allowed_classes: string;
  callback_allow_typed: number | boolean;
  callback_max_pending: number;
  callback_max_per_number_day: number;
  callback_max_per_caller_day: number;
  created_at: Date;
  updated_at: Date;
}

interface MemberRow {
  queue_id: number;
  extension_number: string;
  penalty: number;
  dynamic: number | boolean;
  display_name: string;
}

export interface QueueRecord {
  row: QueueRow;
  state: QueueState;
}

export async function list(db: Knex, numbers?: readonly string[]): Promise<QueueRecord[]> {
  const q = db('queues').orderBy('id');
  if (numbers) q.whereIn('number', numbers);
  const rows = (await q) as QueueRow[];
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const members = (await db('queue_members as m')
    .join('extensions as e', 'e.number', 'm.extension_number')
    .whereIn('m.queue_id', ids)
    .orderBy(['m.queue_id', 'm.position', 'm.id'])
    .select('m.queue_id', 'm.extension_number', 'm.penalty', 'm.dynamic', 'e.display_name')) as MemberRow[];
  const vips = (await db('queue_vip_callers')
    .whereIn('queue_id', ids)
    .orderBy(['queue_id', 'caller_number'])) as Array<{ queue_id: number; caller_number: string }>;
  const membersOf = group(members, (m) => m.queue_id);
  const vipsOf = group(vips, (v) => v.queue_id);
  return rows.map((row) => ({
    row,
    state: toState(row, membersOf.get(row.id) ?? [], vipsOf.get(row.id) ?? []),
  }));
}

function group<T>(items: readonly T[], key: (t: T) => number): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const item of items) {
    const k = key(item);
    const bucket = out.get(k);
    if (bucket) bucket.push(item);
    else out.set(k, [item]);
  }
  return out;
}

function toState(
  row: QueueRow,
  members: readonly MemberRow[],
  vips: ReadonlyArray<{ caller_number: string }>,
): QueueState {
  return {
    number: row.number,
    name: row.name,
    strategy: row.strategy,
    members: members.map(
      (m): QueueMemberState => ({
        extension: m.extension_number,
        name: m.display_name,
        penalty: m.penalty,
        dynamic: Boolean(m.dynamic),
      }),
    ),
    ringSeconds: row.ring_seconds,
    retrySeconds: row.retry_seconds,
    wrapUpSeconds: row.wrap_up_seconds,
    serviceLevelSeconds: row.service_level_seconds,
    maxWaitSeconds: row.max_wait_seconds,
    maxCallers: row.max_callers,
    joinWhenEmpty: Boolean(row.join_when_empty),
    leaveWhenEmpty: Boolean(row.leave_when_empty),
    announcePosition: Boolean(row.announce_position),
    announceHoldTime: Boolean(row.announce_hold_time),
    periodicAnnounceGreetingId: row.periodic_announce_greeting_id,
    periodicAnnounceSeconds: row.periodic_announce_seconds,
    mohClass: row.moh_class,
    vipCallerIds: vips.map((v) => v.caller_number),
    vipPriority: row.vip_priority,
    failoverDestination: { type: row.failover_destination_type, target: row.failover_destination_target },
    callback: {
      enabled: Boolean(row.callback_enabled),
      key: row.callback_key,
      maxAttempts: row.callback_max_attempts,
      retrySeconds: row.callback_retry_seconds,
      // Only the classes a callback may ever dial survive, whatever the column holds.
      allowedClasses: row.callback_allowed_classes
        .split(',')
        .filter((c) => c === 'local' || c === 'national'),
      allowTypedNumbers: Boolean(row.callback_allow_typed),
      maxPending: row.callback_max_pending,
      maxPerNumberPerDay: row.callback_max_per_number_day,
      maxPerCallerPerDay: row.callback_max_per_caller_day,
    },
  };
}

export async function find(db: Knex, number: string): Promise<QueueRecord | null> {
  return (await list(db, [number]))[0] ?? null;
}

// Queues as the renderer sees them.
export async function listQueuesForRender(db: Knex): Promise<QueueState[]> {
  return (await list(db)).map((r) => r.state);
}

export async function replaceMembers(
  db: Knex,
  queueId: number,
  members: ReadonlyArray<{ extension: string; penalty: number; dynamic: boolean }>,
  vipCallerIds: readonly string[],
): Promise<void> {
  await db('queue_members').where({ queue_id: queueId }).delete();
  await db('queue_vip_callers').where({ queue_id: queueId }).delete();
  if (members.length > 0)
    await db('queue_members').insert(
      members.map((m, position) => ({
        queue_id: queueId,
        extension_number: m.extension,
        penalty: m.penalty,
        dynamic: m.dynamic,
        position,
      })),
    );
  if (vipCallerIds.length > 0)
    await db('queue_vip_callers').insert(
      vipCallerIds.map((caller_number) => ({ queue_id: queueId, caller_number })),
    );
}
