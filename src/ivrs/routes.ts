import { type Request, Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { ApiRouter } from '../http/api';
import { idParam } from '../http/parse';
import { Ivr } from './schema';
import * as service from './service';

export function ivrRoutes(deps: Deps): Router {
  const router = Router();
  const api = new ApiRouter(router, '/api/v1/ivrs', deps.openapi);
  const id = (params: Record<string, string>) => idParam(params);
  const actor = (req: Request) => actorFor(deps, actorName(req));
  const range = deps.config.extensionRange;

  api.op({ method: 'get', path: '/', summary: 'IVR menus', roles: ['admin', 'supervisor'] }, async () => ({
    items: (await service.listIvrs(deps.db)).map(service.ivrToApi),
  }));
  api.op(
    {
      method: 'post',
      path: '/',
      summary:
        'Create an IVR menu: prompt greeting, keys 0-9 * # to destinations, optional direct dial, repeat key, timeout and retries, final destination',
      roles: ['admin'],
      body: Ivr,
      status: 201,
    },
    async ({ req, body }) => withTx(deps.db, (tx) => service.saveIvr(tx, null, body, actor(req), range)),
  );
  api.op(
    { method: 'get', path: '/:id', summary: 'An IVR menu', roles: ['admin', 'supervisor'] },
    async ({ params }) => service.getIvr(deps.db, id(params)),
  );
  api.op(
    { method: 'put', path: '/:id', summary: 'Replace an IVR menu', roles: ['admin'], body: Ivr },
    async ({ req, params, body }) =>
      withTx(deps.db, (tx) => service.saveIvr(tx, id(params), body, actor(req), range)),
  );
  api.op(
    {
      method: 'delete',
      path: '/:id',
      summary: 'Delete an IVR menu (409 while an inbound route, menu… leads to it)',
      roles: ['admin'],
      status: 204,
    },
    async ({ req, params }) => {
      await withTx(deps.db, (tx) => service.removeIvr(tx, id(params), actor(req)));
      return undefined;
    },
  );
  return router;
}
