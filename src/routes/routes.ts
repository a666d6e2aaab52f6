import { Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { ApiRouter } from '../http/api';
import { idParam } from '../http/parse';
import { BlockedCaller, InboundRoute, OutboundRoute } from './schema';
import * as service from './service';

export function routeRoutes(deps: Deps): Router {
  const router = Router();
  const id = (params: Record<string, string>) => idParam(params);
  const actor = (req: Parameters<typeof actorName>[0]) => actorFor(deps, actorName(req));

  const out = new ApiRouter(router, '', deps.openapi);
  out.op(
    {
      method: 'get',
      path: '/api/v1/outbound-routes',
      summary: 'Outbound routes in the order they are tried',
      roles: ['admin', 'supervisor'],
    },
    async () => ({
      items: (await service.listOutbound(deps.db)).map(service.outboundToApi),
    }),
  );
  out.op(
    {
      method: 'post',
      path: '/api/v1/outbound-routes',
      summary: 'Create an outbound route (goes last unless position is given)',
      roles: ['admin'],
      body: OutboundRoute,
      status: 201,
    },
    async ({ req, body }) => withTx(deps.db, (tx) => service.saveOutbound(tx, null, body, actor(req))),
  );
  out.op(
    {
      method: 'put',
      path: '/api/v1/outbound-routes/:id',
      summary: 'Replace an outbound route',
      roles: ['admin'],
      body: OutboundRoute,
    },
    async ({ req, params, body }) =>
      withTx(deps.db, (tx) => service.saveOutbound(tx, id(params), body, actor(req))),
  );
  out.op(
    {
      method: 'delete',
      path: '/api/v1/outbound-routes/:id',
      summary: 'Delete an outbound route',
      roles: ['admin'],
      status: 204,
    },
    async ({ req, params }) => {
      await withTx(deps.db, (tx) => service.removeOutbound(tx, id(params), actor(req)));
      return undefined;
    },
  );

  out.op(
    {
      method: 'get',
      path: '/api/v1/inbound-routes',
      summary: 'Inbound routes; the first that matches a call wins',
      roles: ['admin', 'supervisor'],
    },
    async () => ({
      items: (await service.listInbound(deps.db)).map(service.inboundToApi),
    }),
  );
  out.op(
    {
      method: 'post',
      path: '/api/v1/inbound-routes',
      summary: 'Create an inbound route (DID, optional caller ID → destination)',
      roles: ['admin'],
      body: InboundRoute,
      status: 201,
    },
    async ({ req, body }) => withTx(deps.db, (tx) => service.saveInbound(tx, null, body, actor(req))),
  );
  out.op(
    {
      method: 'put',
      path: '/api/v1/inbound-routes/:id',
      summary: 'Replace an inbound route',
      roles: ['admin'],
      body: InboundRoute,
    },
    async ({ req, params, body }) =>
      withTx(deps.db, (tx) => service.saveInbound(tx, id(params), body, actor(req))),
  );
  out.op(
    {
      method: 'delete',
      path: '/api/v1/inbound-routes/:id',
      summary: 'Delete an inbound route',
      roles: ['admin'],
      status: 204,
    },
    async ({ req, params }) => {
      await withTx(deps.db, (tx) => service.removeInbound(tx, id(params), actor(req)));
      return undefined;
    },
  );

  out.op(
    {
      method: 'get',
      path: '/api/v1/blocked-callers',
      summary: 'Caller number patterns refused on inbound calls',
      roles: ['admin', 'supervisor'],
    },
    async () => ({
      items: await service.listBlocked(deps.db),
    }),
  );
  out.op(
    {
      method: 'post',
      path: '/api/v1/blocked-callers',
      summary: 'Block a caller number or pattern (hang up or busy)',
      roles: ['admin'],
      body: BlockedCaller,
      status: 201,
    },
    async ({ req, body }) => withTx(deps.db, (tx) => service.addBlocked(tx, body, actor(req))),
  );
  out.op(
    {
      method: 'delete',
      path: '/api/v1/blocked-callers/:id',
      summary: 'Unblock a caller pattern',
      roles: ['admin'],
      status: 204,
    },
    async ({ req, params }) => {
      await withTx(deps.db, (tx) => service.removeBlocked(tx, id(params), actor(req)));
      return undefined;
    },
  );
  return router;
}
