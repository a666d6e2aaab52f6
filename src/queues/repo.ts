import type { Knex } from 'knex';
import type { QueueState } from '../render/types';

// Queues as the renderer sees them. (Skeleton: the queues feature fills this in.)
export async function listQueuesForRender(_db: Knex): Promise<QueueState[]> {
  return [];
}
