import type { Knex } from 'knex';
import { confTemplate } from '../render/engine';
import type { DesiredState } from '../render/state';
import { type Mode, refPattern, TARGET_TYPES, type TargetType } from './schema';
import type { RecordingPolicyState } from './state';

export type { RecordingPolicyState } from './state';

// The key the dialplan looks a policy up by: <type><ref>, e.g. extension1001 (sb-recording
// builds the same from its two arguments).
export function policyKey(type: TargetType, ref: string): string {
  if (!TARGET_TYPES.includes(type) || !refPattern(type).test(ref))
    throw new Error(`bad recording policy target ${JSON.stringify(`${type}:${ref}`)}`);
  return `${type}${ref}`;
}

export function renderRecordingDialplan(state: Pick<DesiredState, 'recordingPolicies'>): string {
  const policies = [...(state.recordingPolicies ?? [])]
    .map((p) => ({ key: policyKey(p.targetType, p.targetRef), mode: p.mode }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return confTemplate('dialplan-recordings')({ policies });
}

export async function listRecordingPoliciesForRender(db: Knex): Promise<RecordingPolicyState[]> {
  const rows = (await db('recording_policies').select('target_type', 'target_ref', 'mode')) as {
    target_type: TargetType;
    target_ref: string;
    mode: Mode;
  }[];
  return rows.map((r) => ({ targetType: r.target_type, targetRef: r.target_ref, mode: r.mode }));
}
