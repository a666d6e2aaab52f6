import type { Knex } from 'knex';
import { touched } from '../apply/scope';
import type { Actor } from '../apply/trigger';
import type { Tx } from '../db/tx';
import { ConflictError, NotFoundError, ValidationError } from '../http/errors';
import type { Mode, RecordingPolicyInput, RecordingPolicyUpdateInput, TargetType } from './schema';

export interface PolicyRow {
  id: number;
  target_type: TargetType;
  target_ref: string;
  mode: Mode;
  retention_days: number | null;
}

export interface PolicyApi extends PolicyRow {
  target_label: string;
}

const COLUMNS = ['id', 'target_type', 'target_ref', 'mode', 'retention_days'] as const;

export async function listPolicies(db: Knex): Promise<PolicyRow[]> {
  return (await db('recording_policies')
    .select(...COLUMNS)
    .orderBy(['target_type', 'target_ref'])) as PolicyRow[];
}

export async function getPolicy(db: Knex, id: number): Promise<PolicyRow> {
  const row = (await db('recording_policies')
    .where({ id })
    .first(...COLUMNS)) as PolicyRow | undefined;
  if (!row) throw new NotFoundError(`recording policy ${id}`);
  return row;
}

export async function findPolicy(db: Knex, type: TargetType, ref: string): Promise<PolicyRow | undefined> {
  return (await db('recording_policies')
    .where({ target_type: type, target_ref: ref })
    .first(...COLUMNS)) as PolicyRow | undefined;
}

// The thing a policy is about must exist now; a later deletion of it leaves a harmless policy.
async function assertTargetExists(db: Knex, type: TargetType, ref: string): Promise<void> {
  const [table, column] = {
    extension: ['extensions', 'number'],
    queue: ['queues', 'number'],
    inbound_route: ['inbound_routes', 'id'],
    outbound_route: ['outbound_routes', 'id'],
  }[type] as [string, string];
  const found = await db(table).where(column, ref).first(column);
  if (!found)
    throw new ValidationError([{ path: 'target_ref', message: `no ${type.replace('_', ' ')} ${ref}` }]);
}

export async function createPolicy(tx: Tx, input: RecordingPolicyInput, actor: Actor): Promise<PolicyRow> {
  await assertTargetExists(tx, input.target_type, input.target_ref);
  if (await findPolicy(tx, input.target_type, input.target_ref))
    throw new ConflictError(`${input.target_type} ${input.target_ref} already has a recording policy`, [
      { path: 'target_ref', message: 'already has a policy: edit that one' },
    ]);
  const [id] = await tx('recording_policies').insert({ ...input });
  tx.afterCommit(() =>
    actor.requestApply(
      `recording policy for ${input.target_type} ${input.target_ref}`,
      touched('recordingPolicies'),
    ),
  );
  return getPolicy(tx, Number(id));
}

export async function updatePolicy(
  tx: Tx,
  id: number,
  input: RecordingPolicyUpdateInput,
  actor: Actor,
): Promise<PolicyRow> {
  const existing = await getPolicy(tx, id);
  await tx('recording_policies')
    .where({ id })
    .update({ ...input, updated_at: tx.fn.now(3) });
  tx.afterCommit(() =>
    actor.requestApply(
      `recording policy for ${existing.target_type} ${existing.target_ref} changed`,
      touched('recordingPolicies'),
    ),
  );
  return getPolicy(tx, id);
}

export async function removePolicy(tx: Tx, id: number, actor: Actor): Promise<void> {
  const existing = await getPolicy(tx, id);
  await tx('recording_policies').where({ id }).delete();
  tx.afterCommit(() =>
    actor.requestApply(
      `recording policy for ${existing.target_type} ${existing.target_ref} deleted`,
      touched('recordingPolicies'),
    ),
  );
}

export function targetLabel(p: Pick<PolicyRow, 'target_type' | 'target_ref'>): string {
  switch (p.target_type) {
    case 'extension':
      return `Extension ${p.target_ref}`;
    case 'queue':
      return `Queue ${p.target_ref}`;
    case 'inbound_route':
      return `Inbound route #${p.target_ref}`;
    case 'outbound_route':
      return `Outbound route #${p.target_ref}`;
  }
}

export function policyToApi(p: PolicyRow): PolicyApi {
  return { ...p, target_label: targetLabel(p) };
}

// ---- queue supervisors: the supervisors who may listen to a queue's recordings

export async function listQueueSupervisors(db: Knex, queue: string): Promise<number[]> {
  const rows = (await db('queue_supervisors').where({ queue_number: queue }).orderBy('user_id')) as {
    user_id: number;
  }[];
  return rows.map((r) => r.user_id);
}

export async function setQueueSupervisors(tx: Tx, queue: string, userIds: number[]): Promise<number[]> {
  if (!(await tx('queues').where({ number: queue }).first('id'))) throw new NotFoundError(`queue ${queue}`);
  const unique = [...new Set(userIds)];
  const users = (await tx('users').whereIn('id', unique).select('id', 'role')) as {
    id: number;
    role: string;
  }[];
  const details = unique.flatMap((id, i) => {
    const u = users.find((x) => x.id === id);
    if (!u) return [{ path: `user_ids.${i}`, message: `no user ${id}` }];
    if (u.role !== 'supervisor')
      return [{ path: `user_ids.${i}`, message: `user ${id} is not a supervisor` }];
    return [];
  });
  if (details.length > 0) throw new ValidationError(details);
  await tx('queue_supervisors').where({ queue_number: queue }).delete();
  if (unique.length > 0)
    await tx('queue_supervisors').insert(unique.map((user_id) => ({ queue_number: queue, user_id })));
  return listQueueSupervisors(tx, queue);
}
