import type { Knex } from 'knex';
import type { MohClassState } from '../render/types';

// (Skeleton: the music-on-hold feature fills this in.)
export async function listMohClassesForRender(_db: Knex): Promise<MohClassState[]> {
  return [];
}
