import type { Knex } from 'knex';
import { listAllForRender } from '../extensions/repo';
import type { DesiredState } from '../render/types';

// The renderer's only database read.
export async function loadDesiredState(db: Knex): Promise<DesiredState> {
  return { extensions: await listAllForRender(db) };
}
