import { type Request, type Response, Router } from 'express';
import type { Deps } from '../deps';
import { AppError } from '../http/errors';
import { requirePage, sendPage } from '../web/page-helpers';
import { backupRunner, deleteBackup, listBackups, recentJobs } from './service';

// Backups page (/backups): the files in BACKUP_DIR, "Back up now" with its progress, download and
// delete. Admins only.
export function backupPages(deps: Deps): Router {
  const router = Router();
  const admin = requirePage('admin');
  const { dir, schedule, keep, passphrase } = deps.config.backup;
  const runner = backupRunner(deps);

  const show = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    await runner.ready();
    const jobs = await recentJobs(deps.db, 5);
    sendPage(
      req,
      res,
      'backups/list',
      {
        title: 'Backups',
        nav: 'backups',
        backups: (await listBackups(dir)).map((b) => ({ ...b, sizeText: sizeText(b.size) })),
        running: jobs.find((j) => j.status === 'running') ?? null,
        failed: jobs[0]?.status === 'failed' ? jobs[0] : null,
        dir,
        schedule,
        keep,
        withKey: passphrase !== null,
        ...extra,
      },
      status,
    );
  };

  router.get('/backups', admin, (req, res) => show(req, res));
  router.post('/backups', admin, async (req, res) => {
    try {
      await runner.start({
        recordings: (req.body as Record<string, unknown>)['recordings'] === 'on',
        by: req.auth?.user.username ?? 'unknown',
      });
    } catch (err) {
      if (err instanceof AppError) return show(req, res, { errorMessage: err.message }, err.status);
      throw err;
    }
    res.redirect(303, '/backups');
  });
  router.post('/backups/:name/delete', admin, async (req, res) => {
    try {
      await deleteBackup(dir, String(req.params['name']));
    } catch (err) {
      if (err instanceof AppError) return show(req, res, { errorMessage: err.message }, err.status);
      throw err;
    }
    res.redirect(303, '/backups');
  });
  return router;
}

function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
