import type { Router } from 'express';
import { actorName } from '../../auth/middleware';
import type { Deps } from '../../deps';
import { ADMIN_SUPERVISOR, apiRouter } from '../../http/api';
import { crud } from '../../http/crud';
import { idParam } from '../../http/parse';
import { ReportTemplate, RunQuery } from './schema';
import * as service from './service';

// Saved report templates API (/api/v1/report-templates): a name, a grouping, filters and chosen KPIs.
export function reportTemplateRoutes(deps: Deps): Router {
  const api = apiRouter(deps, '/api/v1/report-templates');
  crud(api, {
    db: deps.db,
    key: idParam,
    read: ADMIN_SUPERVISOR,
    write: ADMIN_SUPERVISOR,
    body: ReportTemplate,
    list: service.listTemplates,
    get: service.getTemplate,
    save: (id, body, req) => service.saveTemplate(deps.db, id, body, actorName(req)),
    remove: (id) => service.removeTemplate(deps.db, id),
    summary: {
      list: 'Saved report templates',
      create:
        'Save a report template: unique name, group_by, kpis, filters {direction, queues, agents, extensions, department_id, dids}, range_preset',
      get: 'A report template',
      update: 'Replace a report template',
      remove: 'Delete a report template (409 while a schedule sends it)',
    },
  });
  api.op(
    {
      method: 'get',
      path: '/:id/run',
      summary: 'Run a template over ?from&to (ISO), or over its range preset in the report timezone',
      roles: ADMIN_SUPERVISOR,
      query: RunQuery,
    },
    async ({ params, query }) => {
      const t = await service.getTemplate(deps.db, idParam(params));
      const period = query.from && query.to ? { from: query.from, to: query.to } : null;
      return service.runTemplate(deps.db, t, period, deps.config.analytics.reportTimezone);
    },
  );
  return api.router;
}
