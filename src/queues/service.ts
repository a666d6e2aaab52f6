import type { Knex } from 'knex';
import { touched } from '../apply/scope';
import type { Actor } from '../apply/trigger';
import { mapDbError } from '../db/mysql-errors';
import type { Tx } from '../db/tx';
import { assertDestinationExists } from '../destinations';
import { assertNumberFree } from '../destinations/numbers';
import { assertUnreferenced, type Ref, referrersOf, removeRefs, replaceRefs } from '../destinations/refs';
import { ConflictError, NotFoundError, UnprocessableError } from '../http/errors';
import { assertGreetingExists } from '../ivrs';
import * as repo from './repo';
import type { CallbackClass, CreateQueueInput, UpdateQueueInput } from './schema';
import type { QueueState } from './state';

// The name Asterisk knows the queue by (queues.conf section, Queue(), `queue show`).
export function asteriskQueueName(number: string): string {
  return `sb-queue-${number}`;
}

export function toApi(record: repo.QueueRecord) {
  const { row, state } = record;
  return {
    id: row.id,
    number: state.number,
    name: state.name,
    asterisk_name: asteriskQueueName(state.number),
    strategy: state.strategy,
    members: state.members.map((m) => ({
      extension: m.extension,
      name: m.name,
      penalty: m.penalty,
      dynamic: m.dynamic,
    })),
    ring_seconds: state.ringSeconds,
    retry_seconds: state.retrySeconds,
    wrap_up_seconds: state.wrapUpSeconds,
    service_level_seconds: state.serviceLevelSeconds ?? 20,
    max_wait_seconds: state.maxWaitSeconds,
    max_callers: state.maxCallers,
    join_when_empty: state.joinWhenEmpty,
    leave_when_empty: state.leaveWhenEmpty,
    announce_position: state.announcePosition,
    announce_hold_time: state.announceHoldTime,
    periodic_announce_greeting_id: state.periodicAnnounceGreetingId,
    periodic_announce_seconds: state.periodicAnnounceSeconds,
    moh_class: state.mohClass,
    vip_caller_ids: state.vipCallerIds,
    vip_priority: state.vipPriority,
    failover_destination: state.failoverDestination,
    callback: {
      enabled: state.callback.enabled,
      key: state.callback.key,
      max_attempts: state.callback.maxAttempts,
      retry_seconds: state.callback.retrySeconds,
      allowed_classes: state.callback.allowedClasses as CallbackClass[],
      allow_typed_numbers: state.callback.allowTypedNumbers,
      max_pending: state.callback.maxPending,
      max_per_number_per_day: state.callback.maxPerNumberPerDay,
      max_per_caller_per_day: state.callback.maxPerCallerPerDay,
    },
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
export type QueueApi = ReturnType<typeof toApi>;

async function mustFind(db: Knex, number: string): Promise<repo.QueueRecord> {
  const found = await repo.find(db, number);
  if (!found) throw new NotFoundError(`queue ${number}`);
  return found;
}

export async function listApi(db: Knex): Promise<QueueApi[]> {
  return (await repo.list(db)).map(toApi);
}

export async function get(db: Knex, number: string) {
  return {
    ...toApi(await mustFind(db, number)),
    used_by: await referrersOf(db, { type: 'queue', target: number }),
  };
}

export async function listForRender(db: Knex): Promise<QueueState[]> {
  return repo.listQueuesForRender(db);
}

async function assertMembersExist(db: Knex, members: ReadonlyArray<{ extension: string }>): Promise<void> {
  if (members.length === 0) return;
  const found = new Set(
    (
      (await db('extensions')
        .whereIn(
          'number',
          members.map((m) => m.extension),
        )
        .select('number')) as Array<{ number: string }>
    ).map((r) => r.number),
  );
  const missing = members.map((m, i) => ({ ...m, i })).filter((m) => !found.has(m.extension));
  if (missing.length > 0)
    throw new UnprocessableError(
      `no such extension: ${missing.map((m) => m.extension).join(', ')}`,
      missing.map((m) => ({ path: `members.${m.i}.extension`, message: 'no such extension' })),
    );
}

async function assertMohClassExists(db: Knex, mohClass: string): Promise<void> {
  if (mohClass === 'default') return;
  const id = Number(mohClass.slice('sb-moh-'.length));
  const found = (await db.schema.hasTable('moh_classes'))
    ? await db('moh_classes').where({ id }).first('id')
    : undefined;
  if (!found)
    throw new UnprocessableError(`music-on-hold class ${mohClass} does not exist`, [
      { path: 'moh_class', message: 'no such music-on-hold class' },
    ]);
}

// A queue whose failover is itself (directly) would put a timed-out caller straight back in
// line: refused. Longer chains pass through a wait each time and end when the caller hangs up.
function assertNotSelf(number: string, input: { failover_destination: { type: string; target: string } }) {
  const d = input.failover_destination;
  if (d.type === 'queue' && d.target === number)
    throw new UnprocessableError('a queue cannot fail over to itself', [
      { path: 'failover_destination', message: 'this queue itself' },
    ]);
}

export async function save(
  tx: Tx,
  current: string | null,
  input: CreateQueueInput | UpdateQueueInput,
  actor: Actor,
): Promise<QueueApi> {
  const existing =
    current === null ? null : await tx('queues').where({ number: current }).forUpdate().first('id');
  if (current !== null && !existing) throw new NotFoundError(`queue ${current}`);
  const number = input.number ?? current!;
  if (current !== null && number !== current)
    await assertUnreferenced(
      tx,
      { type: 'queue', target: current },
      `queue ${current} cannot be renumbered: it`,
    );
  await assertNumberFree(tx, number, current === null ? undefined : { what: 'queue', number: current });
  assertNotSelf(number, input);
  await assertMembersExist(tx, input.members);
  if (input.periodic_announce_greeting_id !== null)
    await assertGreetingExists(tx, input.periodic_announce_greeting_id, 'periodic_announce_greeting_id');
  await assertMohClassExists(tx, input.moh_class);
  await assertDestinationExists(tx, input.failover_destination, 'failover_destination');
  const row = {
    number,
    name: input.name,
    strategy: input.strategy,
    ring_seconds: input.ring_seconds,
    retry_seconds: input.retry_seconds,
    wrap_up_seconds: input.wrap_up_seconds,
    service_level_seconds: input.service_level_seconds,
    max_wait_seconds: input.max_wait_seconds,
    max_callers: input.max_callers,
    join_when_empty: input.join_when_empty,
    leave_when_empty: input.leave_when_empty,
    announce_position: input.announce_position,
    announce_hold_time: input.announce_hold_time,
    periodic_announce_greeting_id: input.periodic_announce_greeting_id,
    periodic_announce_seconds: input.periodic_announce_seconds,
    moh_class: input.moh_class,
    vip_priority: input.vip_priority,
    failover_destination_type: input.failover_destination.type,
    failover_destination_target: input.failover_destination.target,
    callback_enabled: input.callback.enabled,
    callback_key: input.callback.key,
    callback_max_attempts: input.callback.max_attempts,
    callback_retry_seconds: input.callback.retry_seconds,
    callback_allowed_classes: input.callback.allowed_classes.join(','),
    callback_allow_typed: input.callback.allow_typed_numbers,
    callback_max_pending: input.callback.max_pending,
    callback_max_per_number_day: input.callback.max_per_number_per_day,
    callback_max_per_caller_day: input.callback.max_per_caller_per_day,
  };
  let id: number;
  try {
    if (existing) {
      id = (existing as { id: number }).id;
      await tx('queues')
        .where({ id })
        .update({ ...row, updated_at: tx.fn.now(3) });
    } else [id] = (await tx('queues').insert(row)) as [number];
  } catch (err) {
    const mapped = mapDbError(err, 'name');
    // The number was checked above; a duplicate left is the name.
    if (mapped instanceof ConflictError)
      throw new ConflictError(`a queue named "${input.name}" exists already`, [
        { path: 'name', message: 'already in use' },
      ]);
    throw mapped;
  }
  await repo.replaceMembers(tx, id, input.members, input.vip_caller_ids);
  const refs: Ref[] = [{ role: 'failover', ...input.failover_destination }];
  if (input.periodic_announce_greeting_id !== null)
    refs.push({
      role: 'periodic announcement',
      type: 'greeting',
      target: String(input.periodic_announce_greeting_id),
    });
  if (input.moh_class !== 'default')
    refs.push({ role: 'music on hold', type: 'moh-class', target: input.moh_class.slice('sb-moh-'.length) });
  await replaceRefs(tx, { type: 'queue', id, name: `${number} ${input.name}` }, refs);
  tx.afterCommit(() => actor.requestApply(`queue ${number} saved`, touched('queues')));
  return toApi(await mustFind(tx, number));
}

export async function remove(tx: Tx, number: string, actor: Actor): Promise<void> {
  const row = (await tx('queues').where({ number }).forUpdate().first('id', 'name')) as
    | { id: number; name: string }
    | undefined;
  if (!row) throw new NotFoundError(`queue ${number}`);
  await assertUnreferenced(tx, { type: 'queue', target: number }, `queue ${number} "${row.name}"`);
  await removeRefs(tx, { type: 'queue', id: row.id });
  await tx('queues').where({ id: row.id }).delete();
  tx.afterCommit(() => actor.requestApply(`queue ${number} deleted`, touched('queues')));
}
