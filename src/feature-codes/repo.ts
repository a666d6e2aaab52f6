import type { Knex } from 'knex';
import type { FeatureCodeMap } from '../render/types';
import { defaultFeatureCodes } from './catalog';

// The codes in force: the catalog's defaults with the admin's changes. (Skeleton: defaults.)
export async function loadFeatureCodes(_db: Knex): Promise<FeatureCodeMap> {
  return defaultFeatureCodes();
}
