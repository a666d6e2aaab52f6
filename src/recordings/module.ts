import type { FeatureModule } from '../core/feature';
import { recordingPages } from './pages';
import { listRecordingPoliciesForRender, renderRecordingDialplan } from './render';
import { enforceRetentionOnce } from './retention';
import { recordingRoutes } from './routes';

export const recordingsModule: FeatureModule = {
  name: 'recordings',
  state: [
    { key: 'recordingPolicies', load: listRecordingPoliciesForRender, readsAlso: ['extensions', 'queues'] },
  ],
  render: { dialplan: renderRecordingDialplan },
  api: (deps) => [{ router: recordingRoutes(deps) }],
  pages: (deps) => [recordingPages(deps)],
  start: (deps) => ({
    jobs: [
      {
        name: 'recording-retention',
        cron: '7 * * * *',
        run: () => enforceRetentionOnce(deps),
        noOverlap: true,
      },
    ],
    stop: () => {},
  }),
};
