import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Router } from 'express';
import type { Deps } from '../deps';
import { ADMIN, apiRouter } from '../http/api';
import { idParam } from '../http/parse';
import { CreateBackup } from './schema';
import { backupPath, backupRunner, deleteBackup, getJob, listBackups, recentJobs } from './service';

const B = '/api/v1/backups';

// Backups API (/api/v1/backups): admins only, since a backup holds every (sealed) secret and the
// password hashes.
export function backupRoutes(deps: Deps): Router {
  const api = apiRouter(deps, B);
  const dir = deps.config.backup.dir;
  const runner = backupRunner(deps);
  api.op(
    {
      method: 'get',
      path: '/',
      summary: 'The backups in BACKUP_DIR, newest first, and the recent jobs',
      roles: ADMIN,
    },
    async () => {
      await runner.ready();
      return { items: await listBackups(dir), jobs: await recentJobs(deps.db) };
    },
  );
  api.op(
    {
      method: 'post',
      path: '/',
      summary: 'Start a backup: answers 202 with its job at once (GET /api/v1/backups/jobs/{id} follows it)',
      roles: ADMIN,
      body: CreateBackup,
      status: 202,
    },
    async ({ req, res, body }) => {
      const job = await runner.start({
        recordings: body.recordings,
        by: req.auth?.user.username ?? 'unknown',
      });
      res.location(`${B}/jobs/${job.id}`);
      return job;
    },
  );
  api.op(
    {
      method: 'get',
      path: '/jobs/:id',
      summary: 'A backup job: running, succeeded or failed, bytes written',
      roles: ADMIN,
    },
    async ({ params }) => getJob(deps.db, idParam(params)),
  );
  api.op(
    {
      method: 'get',
      path: '/:name/download',
      summary: 'The backup file (application/gzip)',
      roles: ADMIN,
    },
    async ({ res, params }) => {
      const path = await backupPath(dir, params['name'] ?? '');
      res.type('application/gzip');
      res.attachment(params['name'] ?? 'backup.tar.gz');
      res.set('Cache-Control', 'private, no-store');
      // pipeline closes the file when the client goes away mid-download, and a read error ends
      // the connection (its headers are already sent: no error page can follow them).
      await pipeline(createReadStream(path), res).catch(() => res.destroy());
      return undefined;
    },
  );
  api.op(
    { method: 'delete', path: '/:name', summary: 'Delete a backup file', roles: ADMIN, status: 204 },
    async ({ params }) => {
      await deleteBackup(dir, params['name'] ?? '');
      return undefined;
    },
  );
  return api.router;
}
