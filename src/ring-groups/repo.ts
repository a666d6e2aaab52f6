import type { Knex } from 'knex';
import type { RingGroupState } from '../render/types';

// (Skeleton: the ring-groups feature fills this in.)
export async function listRingGroupsForRender(_db: Knex): Promise<RingGroupState[]> {
  return [];
}
