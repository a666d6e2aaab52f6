import type { FeatureModule } from '../core/feature';
import { cronEvery } from '../lib/cron';
import { createAnalyticsPipeline } from './pipeline';

export const analyticsModule: FeatureModule = {
  name: 'analytics',
  start: (deps) => {
    const pipeline = createAnalyticsPipeline(deps);
    return {
      // Tests and the CLI make reports current now rather than waiting for the schedule.
      handle: pipeline,
      jobs: [
        {
          name: 'calldata-ingest',
          cron: cronEvery(deps.config.analytics.ingestSeconds),
          run: pipeline.ingest,
          noOverlap: true,
        },
        { name: 'analytics-rollup', cron: '* * * * *', run: pipeline.rollup, noOverlap: true },
      ],
      stop: () => {},
    };
  },
};
