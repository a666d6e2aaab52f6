import cron, { type ScheduledTask } from 'node-cron';
import type { AnalyticsPipeline } from '../analytics/pipeline';
import { purgeExpiredSessions } from '../auth/sessions';
import type { Deps } from '../deps';
import { enforceRetentionOnce } from '../recordings/retention';
import { cronEvery, type VoicemailDelivery } from '../voicemail/delivery';

// One line per schedule, each calling one service function.
export function startJobs(
  deps: Deps,
  jobs: { voicemailDelivery?: VoicemailDelivery; analytics?: AnalyticsPipeline } = {},
): ScheduledTask[] {
  const guard = (name: string, fn: () => Promise<void>) => async () => {
    try {
      await fn();
    } catch (err) {
      deps.log.error({ err, job: name }, 'scheduled job failed');
    }
  };
  return [
    cron.schedule(
      '*/15 * * * *',
      guard('purge-sessions', () => purgeExpiredSessions(deps.db)),
    ),
    ...(jobs.voicemailDelivery
      ? [
          cron.schedule(
            cronEvery(deps.config.voicemailDelivery.intervalSeconds),
            guard('voicemail-delivery', () => jobs.voicemailDelivery?.runOnce() ?? Promise.resolve()),
            { noOverlap: true },
          ),
        ]
      : []),
    ...(jobs.analytics
      ? [
          cron.schedule(
            cronEvery(deps.config.analytics.ingestSeconds),
            guard('calldata-ingest', async () => {
              await jobs.analytics?.ingest();
            }),
            { noOverlap: true },
          ),
          cron.schedule(
            '* * * * *',
            guard('analytics-rollup', async () => {
              await jobs.analytics?.rollup();
            }),
            { noOverlap: true },
          ),
        ]
      : []),
    cron.schedule(
      '7 * * * *',
      guard('recording-retention', async () => {
        await enforceRetentionOnce(deps);
      }),
      { noOverlap: true },
    ),
  ];
}
