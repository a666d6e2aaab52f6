import cron, { type ScheduledTask } from 'node-cron';
import type { AnalyticsPipeline } from '../analytics/pipeline';
import { purgeExpiredSessions } from '../auth/sessions';
import type { Deps } from '../deps';
import { enforceRetentionOnce } from '../recordings/retention';
import { cronEvery, type VoicemailDelivery } from '../voicemail/delivery';

export interface Jobs {
  // Stops the schedules and waits for runs already under way: they use the database pool that
  // the caller destroys next.
  stop(): Promise<void>;
}

// One line per schedule, each calling one service function.
export function startJobs(
  deps: Deps,
  jobs: { voicemailDelivery?: VoicemailDelivery; analytics?: AnalyticsPipeline } = {},
): Jobs {
  const running = new Set<Promise<void>>();
  let stopped = false;
  const guard = (name: string, fn: () => Promise<void>) => async () => {
    if (stopped) return;
    const run = (async () => {
      try {
        await fn();
      } catch (err) {
        deps.log.error({ err, job: name }, 'scheduled job failed');
      }
    })();
    running.add(run);
    try {
      await run;
    } finally {
      running.delete(run);
    }
  };
  const tasks: ScheduledTask[] = [
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
  return {
    async stop() {
      stopped = true;
      for (const task of tasks) await task.stop();
      await Promise.all(running);
    },
  };
}
