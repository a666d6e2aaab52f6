import cron, { type ScheduledTask } from 'node-cron';
import type { Job } from '../core/feature';
import type { Logger } from '../lib/log';

export interface Jobs {
  // Stops the schedules and waits for runs already under way: they use the database pool that
  // the caller destroys next.
  stop(): Promise<void>;
}

// The process's schedules, from the feature modules' runtimes and the core. A failed run is
// logged and the schedule goes on.
export function startJobs(log: Logger, jobs: readonly Job[]): Jobs {
  const running = new Set<Promise<void>>();
  let stopped = false;
  const guard = (job: Job) => async () => {
    if (stopped) return;
    const run = (async () => {
      try {
        await job.run();
      } catch (err) {
        log.error({ err, job: job.name }, 'scheduled job failed');
      }
    })();
    running.add(run);
    try {
      await run;
    } finally {
      running.delete(run);
    }
  };
  const tasks: ScheduledTask[] = jobs.map((job) =>
    cron.schedule(job.cron, guard(job), job.noOverlap ? { noOverlap: true } : {}),
  );
  return {
    async stop() {
      stopped = true;
      for (const task of tasks) await task.stop();
      await Promise.all(running);
    },
  };
}
