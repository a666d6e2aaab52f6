import { ingestOnce } from '../calldata/ingest';
import type { Deps } from '../deps';
import { buildJourneysOnce } from '../journeys';
import { linkRecordingsOnce } from '../recordings';
import { rollupOnce } from './rollup';

export interface AnalyticsPipeline {
  // New lines of Asterisk's call-data files → raw tables → journeys → recordings linked.
  ingest(): Promise<{ records: number; journeys: number; recordings: number }>;
  // Journeys → 15-minute rollups.
  rollup(): Promise<{ journeys: number; buckets: number }>;
  // Both, in order: what a test or the CLI calls to make reports current now.
  runOnce(): Promise<void>;
}

export function createAnalyticsPipeline(deps: Deps): AnalyticsPipeline {
  const ingest = async () => {
    const { records } = await ingestOnce(deps.db, deps.config.asteriskLogDir, deps.log);
    const journeys = await buildJourneysOnce(deps.db);
    const recordings = await linkRecordingsOnce(deps);
    return { records, journeys, recordings };
  };
  const rollup = () =>
    rollupOnce(deps.db, { shortAbandonSeconds: deps.config.analytics.shortAbandonSeconds });
  return {
    ingest,
    rollup,
    runOnce: async () => {
      await ingest();
      await rollup();
    },
  };
}
