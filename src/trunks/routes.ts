import { Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { ApiRouter } from '../http/api';
import { idParam } from '../http/parse';
import * as repo from './repo';
import { CreateTrunk, UpdateTrunk } from './schema';
import * as service from './service';
import { trunkStatuses } from './status';

export function trunkRoutes(deps: Deps): Router {
  const router = Router();
  const api = new ApiRouter(router, '/api/v1/trunks', deps.openapi);
  const id = (params: Record<string, string>) => idParam(params);

  api.op(
    {
      method: 'get',
      path: '/',
      summary: 'List trunks with live registration and reachability',
      roles: ['admin', 'supervisor'],
    },
    async () => {
      const rows = await repo.list(deps.db);
      const statuses = await trunkStatuses(deps, rows);
      return { items: rows.map((r) => ({ ...repo.toApi(r), status: statuses.get(r.id) })) };
    },
  );

  api.op(
    {
      method: 'post',
      path: '/',
      summary: 'Create a SIP trunk (registration or IP-authenticated)',
      roles: ['admin'],
      body: CreateTrunk,
      status: 201,
    },
    async ({ req, body }) =>
      withTx(deps.db, (tx) => service.create(tx, body, actorFor(deps, actorName(req)))),
  );

  api.op(
    {
      method: 'get',
      path: '/:id',
      summary: 'Get a trunk with its live status',
      roles: ['admin', 'supervisor'],
    },
    async ({ params }) => {
      const row = await service.mustFind(deps.db, id(params));
      const statuses = await trunkStatuses(deps, [row]);
      return { ...repo.toApi(row), status: statuses.get(row.id) };
    },
  );

  api.op(
    {
      method: 'put',
      path: '/:id',
      summary: 'Replace a trunk (a missing password keeps the stored one)',
      roles: ['admin'],
      body: UpdateTrunk,
    },
    async ({ req, params, body }) =>
      withTx(deps.db, (tx) => service.update(tx, id(params), body, actorFor(deps, actorName(req)))),
  );

  api.op(
    {
      method: 'delete',
      path: '/:id',
      summary: 'Delete a trunk (409 while an outbound route uses it)',
      roles: ['admin'],
      status: 204,
    },
    async ({ req, params }) => {
      await withTx(deps.db, (tx) => service.remove(tx, id(params), actorFor(deps, actorName(req))));
      return undefined;
    },
  );

  return router;
}
