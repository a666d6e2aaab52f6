import type { Knex } from 'knex';
import { replaceOrdered } from '../lib/save-row';
import type { RingGroupState } from './state';

export interface RingGroupRow {
  id: number;
  number: string;
  name: string;
  strategy: RingGroupState['strategy'];
  ring_seconds: number;
  caller_id_prefix: string;
  failover_destination_type: string;
  failover_destination_target: string;
}

export interface MemberRow {
  ring_group_id: number;
  position: number;
  kind: 'extension' | 'external';
  target: string;
  confirm: number | boolean;
}

export type RingGroupWrite = Omit<RingGroupRow, 'id'>;

export async function list(db: Knex, numbers?: readonly string[]): Promise<RingGroupRow[]> {
  const q = db('ring_groups').orderBy('number');
  if (numbers) q.whereIn('number', numbers);
  return (await q.select(
    'id',
    'number',
    'name',
    'strategy',
    'ring_seconds',
    'caller_id_prefix',
    'failover_destination_type',
    'failover_destination_target',
  )) as RingGroupRow[];
}

export async function members(db: Knex, groupIds?: readonly number[]): Promise<MemberRow[]> {
  const q = db('ring_group_members').orderBy(['ring_group_id', 'position']);
  if (groupIds) q.whereIn('ring_group_id', groupIds);
  return (await q.select('ring_group_id', 'position', 'kind', 'target', 'confirm')) as MemberRow[];
}

export async function lock(db: Knex, number: string): Promise<RingGroupRow | undefined> {
  return (await db('ring_groups').where({ number }).forUpdate().first()) as RingGroupRow | undefined;
}

export async function insert(db: Knex, row: RingGroupWrite): Promise<number> {
  const [id] = (await db('ring_groups').insert(row)) as [number];
  return id;
}

export async function update(db: Knex, id: number, row: RingGroupWrite): Promise<void> {
  await db('ring_groups')
    .where({ id })
    .update({ ...row, updated_at: db.fn.now(3) });
}

export async function replaceMembers(
  db: Knex,
  groupId: number,
  rows: ReadonlyArray<Omit<MemberRow, 'ring_group_id' | 'position'>>,
): Promise<void> {
  await replaceOrdered(db, 'ring_group_members', { ring_group_id: groupId }, rows);
}

export async function remove(db: Knex, id: number): Promise<void> {
  await db('ring_groups').where({ id }).delete();
}

export function toState(row: RingGroupRow, all: readonly MemberRow[]): RingGroupState {
  return {
    number: row.number,
    name: row.name,
    strategy: row.strategy,
    ringSeconds: row.ring_seconds,
    callerIdPrefix: row.caller_id_prefix,
    members: all
      .filter((m) => m.ring_group_id === row.id)
      .map((m) => ({ kind: m.kind, target: m.target, confirm: Boolean(m.confirm) })),
    failoverDestination: { type: row.failover_destination_type, target: row.failover_destination_target },
  };
}

export async function listRingGroupsForRender(db: Knex): Promise<RingGroupState[]> {
  const [rows, all] = await Promise.all([list(db), members(db)]);
  return rows.map((r) => toState(r, all));
}
