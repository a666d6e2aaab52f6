import { type Request, Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { ApiRouter } from '../http/api';
import { parse } from '../http/parse';
import { CreateQueue, QueueNumber, UpdateQueue } from './schema';
import * as service from './service';

// Queues are addressed by their number, like extensions.
export function queueRoutes(deps: Deps): Router {
  const router = Router();
  const api = new ApiRouter(router, '/api/v1/queues', deps.openapi);
  const number = (params: Record<string, string>) => parse(QueueNumber, params['number']);
  const actor = (req: Request) => actorFor(deps, actorName(req));

  api.op(
    { method: 'get', path: '/', summary: 'Call queues with their members', roles: ['admin', 'supervisor'] },
    async () => ({ items: await service.listApi(deps.db) }),
  );
  api.op(
    {
      method: 'post',
      path: '/',
      summary:
        'Create a queue: strategy, members and penalties, limits, announcements, VIP callers, failover',
      roles: ['admin'],
      body: CreateQueue,
      status: 201,
    },
    async ({ req, body }) => withTx(deps.db, (tx) => service.save(tx, null, body, actor(req))),
  );
  api.op(
    {
      method: 'get',
      path: '/:number',
      summary: 'A queue and what points at it',
      roles: ['admin', 'supervisor'],
    },
    async ({ params }) => service.get(deps.db, number(params)),
  );
  api.op(
    {
      method: 'put',
      path: '/:number',
      summary: 'Replace a queue (a different number renumbers it, refused while something points at it)',
      roles: ['admin'],
      body: UpdateQueue,
    },
    async ({ req, params, body }) =>
      withTx(deps.db, (tx) => service.save(tx, number(params), body, actor(req))),
  );
  api.op(
    {
      method: 'delete',
      path: '/:number',
      summary: 'Delete a queue (409 while something points at it)',
      roles: ['admin'],
      status: 204,
    },
    async ({ req, params }) => {
      await withTx(deps.db, (tx) => service.remove(tx, number(params), actor(req)));
      return undefined;
    },
  );
  return router;
}
