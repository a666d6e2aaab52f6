import { Router } from 'express';
import { actorName } from '../../auth/middleware';
import type { Deps } from '../../deps';
import { ApiRouter } from '../../http/api';
import { idParam } from '../../http/parse';
import { ReportTemplate, RunQuery } from './schema';
import * as service from './service';

// Saved report templates API (/api/v1/report-templates): a name, a grouping, filters and chosen KPIs.
export function reportTemplateRoutes(deps: Deps): Router {
  const router = Router();
  const api = new ApiRouter(router, '/api/v1/report-templates', deps.openapi);
  const roles = ['admin', 'supervisor'] as const;
  const tz = deps.config.analytics.reportTimezone;

  api.op({ method: 'get', path: '/', summary: 'Saved report templates', roles }, async () => ({
    items: await service.listTemplates(deps.db),
  }));
  api.op(
    {
      method: 'post',
      path: '/',
      summary:
        'Save a report template: unique name, group_by, kpis, filters {direction, queues, agents, extensions, department_id, dids}, range_preset',
      roles,
      body: ReportTemplate,
      status: 201,
    },
    async ({ req, body }) => service.saveTemplate(deps.db, null, body, actorName(req)),
  );
  api.op({ method: 'get', path: '/:id', summary: 'A report template', roles }, async ({ params }) =>
    service.getTemplate(deps.db, idParam(params)),
  );
  api.op(
    {
      method: 'get',
      path: '/:id/run',
      summary: 'Run a template over ?from&to (ISO), or over its range preset in the report timezone',
      roles,
      query: RunQuery,
    },
    async ({ params, query }) => {
      const t = await service.getTemplate(deps.db, idParam(params));
      const period = query.from && query.to ? { from: query.from, to: query.to } : null;
      return service.runTemplate(deps.db, t, period, tz);
    },
  );
  api.op(
    { method: 'put', path: '/:id', summary: 'Replace a report template', roles, body: ReportTemplate },
    async ({ req, params, body }) => service.saveTemplate(deps.db, idParam(params), body, actorName(req)),
  );
  api.op(
    {
      method: 'delete',
      path: '/:id',
      summary: 'Delete a report template (409 while a schedule sends it)',
      roles,
      status: 204,
    },
    async ({ params }) => {
      await service.removeTemplate(deps.db, idParam(params));
      return undefined;
    },
  );
  return router;
}
