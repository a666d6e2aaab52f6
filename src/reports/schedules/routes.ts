import type { Router } from 'express';
import type { Deps } from '../../deps';
import { ADMIN, ADMIN_SUPERVISOR, apiRouter } from '../../http/api';
import { crud } from '../../http/crud';
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
  const api = apiRouter(deps, '/api/v1/report-schedules');
  const tz = deps.config.analytics.reportTimezone;

  crud(api, {
    db: deps.db,
    key: idParam,
    body: ReportSchedule,
    list: service.listSchedules,
    get: service.getSchedule,
    save: async (id, body) => {
      const saved = await service.saveSchedule(deps.db, id, body, tz);
      await reloadScheduler(deps);
      return saved;
    },
    remove: async (id) => {
      await service.removeSchedule(deps.db, id);
      await reloadScheduler(deps);
    },
    summary: {
      list: 'Scheduled reports',
      create:
        'Schedule a template by email: frequency daily|weekly|monthly (time_of_day, weekday, day_of_month) or cron (cron_expression), timezone, recipients',
      get: 'A scheduled report',
      update: 'Replace a scheduled report',
      remove: 'Delete a scheduled report and its send log',
    },
  });
  api.op(
    {
      method: 'post',
      path: '/:id/send-now',
      summary: 'Send the latest complete period now (a period already sent is not sent again)',
      roles: ADMIN,
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
      roles: ADMIN_SUPERVISOR,
    },
    async ({ params }) => ({ items: await service.sendLog(deps.db, idParam(params)) }),
  );
  return api.router;
}
