import type { Router } from 'express';
import type { Deps } from '../deps';
import { ADMIN_SUPERVISOR, apiRouter } from '../http/api';
import { parse } from '../http/parse';
import { GraphId, TraceRequest } from './schema';
import * as service from './service';

export function callFlowRoutes(deps: Deps): Router {
  const api = apiRouter(deps, '');
  const id = (params: Record<string, string>) => parse(GraphId, { id: params['id'] }).id;

  api.op(
    {
      method: 'post',
      path: '/api/v1/call-flow/trace',
      summary: 'Where a call to a number from a caller at a moment would go, step by step (changes nothing)',
      roles: ADMIN_SUPERVISOR,
      body: TraceRequest,
    },
    async ({ body }) => service.trace(deps, body),
  );
  api.op(
    {
      method: 'get',
      path: '/api/v1/call-flow/inbound-routes/:id',
      summary: "An inbound route's whole call flow as a graph (nodes and edges)",
      roles: ADMIN_SUPERVISOR,
    },
    async ({ params }) => service.graph(deps, { type: 'inbound-route', id: id(params) }),
  );
  api.op(
    {
      method: 'get',
      path: '/api/v1/call-flow/ivrs/:id',
      summary: "An IVR menu's whole call flow as a graph (nodes and edges)",
      roles: ADMIN_SUPERVISOR,
    },
    async ({ params }) => service.graph(deps, { type: 'ivr', id: id(params) }),
  );
  return api.router;
}
