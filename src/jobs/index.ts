import cron, { type ScheduledTask } from 'node-cron';
import { purgeExpiredSessions } from '../auth/sessions';
import type { Deps } from '../deps';

// One line per schedule, each calling one service function.
export function startJobs(deps: Deps): ScheduledTask[] {
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
  ];
}
