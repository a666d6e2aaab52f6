import { type Request, Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { ApiRouter } from '../http/api';
import { parse } from '../http/parse';
import { RingGroup, RingGroupNumber } from './schema';
import * as service from './service';

export function ringGroupRoutes(deps: Deps): Router {
  const router = Router();
  const api = new ApiRouter(router, '/api/v1/ring-groups', deps.openapi);
  const numberOf = (params: Record<string, string>) => parse(RingGroupNumber, params['number']);
  const actor = (req: Request) => actorFor(deps, actorName(req));

  api.op({ method: 'get', path: '/', summary: 'Ring groups', roles: ['admin', 'supervisor'] }, async () => ({
    items: (await service.listRingGroups(deps.db)).map(service.ringGroupToApi),
  }));
  api.op(
    {
      method: 'post',
      path: '/',
      summary:
        'Create a ring group: number, members (extensions or external numbers, external ones optionally confirmed by pressing 1), strategy ringall/hunt/memoryhunt, ring time, caller ID name prefix, failover destination',
      roles: ['admin'],
      body: RingGroup,
      status: 201,
    },
    async ({ req, body }) => withTx(deps.db, (tx) => service.saveRingGroup(tx, null, body, actor(req))),
  );
  api.op(
    { method: 'get', path: '/:number', summary: 'A ring group', roles: ['admin', 'supervisor'] },
    async ({ params }) => service.getRingGroup(deps.db, numberOf(params)),
  );
  api.op(
    { method: 'put', path: '/:number', summary: 'Replace a ring group', roles: ['admin'], body: RingGroup },
    async ({ req, params, body }) =>
      withTx(deps.db, (tx) => service.saveRingGroup(tx, numberOf(params), body, actor(req))),
  );
  api.op(
    {
      method: 'delete',
      path: '/:number',
      summary: 'Delete a ring group (409 while a route, menu… leads to it)',
      roles: ['admin'],
      status: 204,
    },
    async ({ req, params }) => {
      await withTx(deps.db, (tx) => service.removeRingGroup(tx, numberOf(params), actor(req)));
      return undefined;
    },
  );
  return router;
}
