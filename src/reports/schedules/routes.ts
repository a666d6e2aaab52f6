import { Router } from 'express';
import type { Deps } from '../../deps';
import { ApiRouter } from '../../http/api';
import { AppError } from '../../http/errors';
import { idParam } from '../../http/parse';
import { type ReportScheduler, reportSchedulerFor } from './scheduler';
import { ReportSchedule } from './schema';
import * as service from './service';

// The app's scheduler picks up a changed schedule at once (its cron tasks are replaced).
export async function reloadScheduler(deps: Deps): Promise<void> {
  await reportSchedulerFor(deps.db)?.reload();
}

export function schedulerOf(deps: Deps): ReportScheduler {
  const s = reportSchedulerFor(deps.db);
  if (!s) throw new AppError(503, 'unavailable', 'the report scheduler is not running');
  return s;
}

// Scheduled reports API (/api/v1/report-schedules) and their send log.
export function reportScheduleRoutes(deps: Deps): Router {
  const router = Router();
  const api = new ApiRouter(router, '/api/v1/report-schedules', deps.openapi);
  const read = ['admin', 'supervisor'] as const;
  const tz = deps.config.analytics.reportTimezone;

  api.op({ method: 'get', path: '/', summary: 'Scheduled reports', roles: read }, async () => ({
    items: await service.listSchedules(deps.db),
  }));
  api.op(
    {
      method: 'post',
      path: '/',
      summary:
        'Schedule a template by email: frequency daily|weekly|monthly (time_of_day, weekday, day_of_month) or cron (cron_expression), timezone, recipients',
      roles: ['admin'],
      body: ReportSchedule,
      status: 201,
    },
    async ({ body }) => {
      const saved = await service.saveSchedule(deps.db, null, body, tz);
      await reloadScheduler(deps);
      return saved;
    },
  );
  api.op({ method: 'get', path: '/:id', summary: 'A scheduled report', roles: read }, async ({ params }) =>
    service.getSchedule(deps.db, idParam(params)),
  );
  api.op(
    {
      method: 'put',
      path: '/:id',
      summary: 'Replace a scheduled report',
      roles: ['admin'],
      body: ReportSchedule,
    },
    async ({ params, body }) => {
      const saved = await service.saveSchedule(deps.db, idParam(params), body, tz);
      await reloadScheduler(deps);
      return saved;
    },
  );
  api.op(
    {
      method: 'delete',
      path: '/:id',
      summary: 'Delete a scheduled report and its send log',
      roles: ['admin'],
      status: 204,
    },
    async ({ params }) => {
      await service.removeSchedule(deps.db, idParam(params));
      await reloadScheduler(deps);
      return undefined;
    },
  );
  api.op(
    {
      method: 'post',
      path: '/:id/send-now',
      summary: 'Send the latest complete period now (a period already sent is not sent again)',
      roles: ['admin'],
    },
    async ({ params }) => {
      const id = idParam(params);
      await service.getSchedule(deps.db, id);
      return schedulerOf(deps).sendNow(id);
    },
  );
  api.op(
    {
      method: 'get',
      path: '/:id/sends',
      summary: 'The send log of a scheduled report, newest first',
      roles: read,
    },
    async ({ params }) => ({ items: await service.sendLog(deps.db, idParam(params)) }),
  );
  return router;
}
