import type { Router } from 'express';
import type { Deps } from '../../deps';
import { ADMIN_SUPERVISOR, apiRouter } from '../../http/api';
import { idParam } from '../../http/parse';
import { byOf } from '../../time-conditions';
import { ListCallbacksQuery } from './schema';
import * as service from './service';

export function queueCallbackRoutes(deps: Deps): Router {
  const api = apiRouter(deps, '/api/v1/queues/callbacks');
  api.op(
    {
      method: 'get',
      path: '/',
      summary: 'Queue callback requests, newest first (filter by status and queue)',
      roles: ADMIN_SUPERVISOR,
      query: ListCallbacksQuery,
    },
    async ({ query }) => service.list(deps.db, query),
  );
  api.op(
    {
      method: 'delete',
      path: '/:id',
      summary:
        'Cancel a callback that is not yet connected: its placeholder leaves the queue, nobody is dialled (409 once connected or closed)',
      roles: ADMIN_SUPERVISOR,
    },
    async ({ req, params }) => service.cancel(deps.db, deps.ari, idParam(params), byOf(req)),
  );
  return api.router;
}
