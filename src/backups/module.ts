import { type FeatureModule, mountedAt } from '../core/feature';
import { backupPages } from './pages';
import { backupRoutes } from './routes';
import { backupRunner } from './service';

export const backupsModule: FeatureModule = {
  name: 'backups',
  ...mountedAt('/api/v1/backups', backupRoutes, backupPages),
  // The scheduled backup (BACKUP_SCHEDULE), followed by the retention (BACKUP_KEEP).
  start: (deps) => {
    const runner = backupRunner(deps);
    const schedule = deps.config.backup.schedule;
    void runner
      .recover()
      .catch((err: unknown) => deps.log.error({ err }, 'cannot clean up interrupted backups'));
    return {
      stop: () => runner.drain(),
      jobs: schedule
        ? [{ name: 'backup', cron: schedule, noOverlap: true, run: () => runner.runScheduled() }]
        : [],
    };
  },
};
