import type { Knex } from 'knex';
import type { FollowMeState } from '../render/types';

// (Skeleton: the follow-me feature fills this in.)
export async function listFollowMeForRender(_db: Knex): Promise<FollowMeState[]> {
  return [];
}
