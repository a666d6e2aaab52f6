import type { Knex } from 'knex';
import { touched } from '../apply/scope';
import type { Actor } from '../apply/trigger';
import { mapDbError } from '../db/mysql-errors';
import type { Tx } from '../db/tx';
import { assertDestinationExists } from '../destinations';
import { assertExtensionsExist } from '../destinations/extensions';
import { assertNumberFree } from '../destinations/numbers';
import { assertUnreferenced, type Ref, removeRefs, replaceRefs } from '../destinations/refs';
import { NotFoundError, UnprocessableError } from '../http/errors';
import * as repo from './repo';
import type { RingGroupInput } from './schema';
import type { RingGroupState } from './state';

export async function listRingGroups(db: Knex, numbers?: readonly string[]): Promise<RingGroupState[]> {
  const rows = await repo.list(db, numbers);
  const members = await repo.members(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => repo.toState(r, members));
}

export function ringGroupToApi(g: RingGroupState) {
  return {
    number: g.number,
    name: g.name,
    strategy: g.strategy,
    ring_seconds: g.ringSeconds,
    caller_id_prefix: g.callerIdPrefix,
    members: g.members.map((m) => ({ kind: m.kind, target: m.target, confirm: m.confirm })),
    failover_destination: g.failoverDestination,
  };
}
export type RingGroupApi = ReturnType<typeof ringGroupToApi>;

export async function getRingGroup(db: Knex, number: string): Promise<RingGroupApi> {
  const [found] = await listRingGroups(db, [number]);
  if (!found) throw new NotFoundError(`ring group ${number}`);
  return ringGroupToApi(found);
}

function refsOf(input: RingGroupInput): Ref[] {
  const refs: Ref[] = input.members
    .filter((m) => m.kind === 'extension')
    .map((m) => ({ role: 'member', type: 'extension', target: m.target }));
  refs.push({ role: 'failover', ...input.failover_destination });
  return refs;
}

// `current`: the number of the group being replaced, null to create one.
export async function saveRingGroup(
  tx: Tx,
  current: string | null,
  input: RingGroupInput,
  actor: Actor,
): Promise<RingGroupApi> {
  const existing = current === null ? undefined : await repo.lock(tx, current);
  if (current !== null && !existing) throw new NotFoundError(`ring group ${current}`);
  await assertNumberFree(
    tx,
    input.number,
    current === null ? undefined : { what: 'ring group', number: current },
  );
  if (existing && existing.number !== input.number)
    await assertUnreferenced(
      tx,
      { type: 'ring-group', target: existing.number },
      `ring group ${existing.number} cannot change its number: it`,
    );
  await assertExtensionsExist(tx, input.members, 'members');
  await assertDestinationExists(tx, input.failover_destination, 'failover_destination');
  if (input.failover_destination.type === 'ring-group' && input.failover_destination.target === input.number)
    throw new UnprocessableError('the failover destination cannot be this ring group itself', [
      { path: 'failover_destination', message: 'this ring group itself' },
    ]);

  const row: repo.RingGroupWrite = {
    number: input.number,
    name: input.name,
    strategy: input.strategy,
    ring_seconds: input.ring_seconds,
    caller_id_prefix: input.caller_id_prefix,
    failover_destination_type: input.failover_destination.type,
    failover_destination_target: input.failover_destination.target,
  };
  let id: number;
  try {
    if (existing) {
      await repo.update(tx, existing.id, row);
      id = existing.id;
    } else id = await repo.insert(tx, row);
  } catch (err) {
    throw mapDbError(err, 'name');
  }
  await repo.replaceMembers(
    tx,
    id,
    input.members.map((m) => ({ kind: m.kind, target: m.target, confirm: m.confirm })),
  );
  await replaceRefs(tx, { type: 'ring-group', id, name: input.name }, refsOf(input));
  tx.afterCommit(() => actor.requestApply(`ring group ${input.number} saved`, touched('ringGroups')));
  return getRingGroup(tx, input.number);
}

export async function removeRingGroup(tx: Tx, number: string, actor: Actor): Promise<void> {
  const existing = await repo.lock(tx, number);
  if (!existing) throw new NotFoundError(`ring group ${number}`);
  // Its own refs go first: a failover back to itself must not block its deletion.
  await removeRefs(tx, { type: 'ring-group', id: existing.id });
  await assertUnreferenced(tx, { type: 'ring-group', target: number }, `ring group ${number}`);
  await repo.remove(tx, existing.id);
  tx.afterCommit(() => actor.requestApply(`ring group ${number} deleted`, touched('ringGroups')));
}
