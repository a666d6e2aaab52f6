import { type Request, Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { ApiRouter } from '../http/api';
import { idParam } from '../http/parse';
import { OverrideInput, PinInput, TimeConditionInput } from './schema';
import * as service from './service';

// Who changed something and through what: a browser session is the UI, a token is the API.
export function viaOf(req: Request): 'api' | 'ui' {
  return req.auth?.via === 'session' ? 'ui' : 'api';
}

export function byOf(req: Request): string {
  return req.auth?.user.username ?? 'anonymous';
}

export function timeConditionRoutes(deps: Deps): Router {
  const router = Router();
  const api = new ApiRouter(router, '/api/v1/time-conditions', deps.openapi);
  const id = (params: Record<string, string>) => idParam(params);
  const ctx = (req: Request): service.Context => ({
    actor: actorFor(deps, byOf(req)),
    zoneinfoDir: service.zoneinfoDirFor(deps.config.asteriskSoundsDir),
  });

  api.op(
    {
      method: 'get',
      path: '/',
      summary: 'Time conditions, each with whether it is open right now and why',
      roles: ['admin', 'supervisor'],
    },
    async () => ({ items: await service.listApi(deps.db) }),
  );
  api.op(
    {
      method: 'post',
      path: '/',
      summary: 'Create a time condition (weekly schedule, holidays, time zone, open/closed destinations)',
      roles: ['admin'],
      body: TimeConditionInput,
      status: 201,
    },
    async ({ req, body }) => withTx(deps.db, (tx) => service.save(tx, null, body, ctx(req))),
  );
  api.op(
    {
      method: 'get',
      path: '/:id',
      summary: 'A time condition, its current state and what points at it',
      roles: ['admin', 'supervisor'],
    },
    async ({ params }) => service.get(deps.db, id(params)),
  );
  api.op(
    {
      method: 'put',
      path: '/:id',
      summary: 'Replace a time condition (pin: absent keeps it, null removes it)',
      roles: ['admin'],
      body: TimeConditionInput,
    },
    async ({ req, params, body }) => withTx(deps.db, (tx) => service.save(tx, id(params), body, ctx(req))),
  );
  api.op(
    {
      method: 'delete',
      path: '/:id',
      summary: 'Delete a time condition (409 while something points at it)',
      roles: ['admin'],
      status: 204,
    },
    async ({ req, params }) => {
      await withTx(deps.db, (tx) => service.remove(tx, id(params), actorFor(deps, actorName(req))));
      return undefined;
    },
  );
  api.op(
    {
      method: 'put',
      path: '/:id/override',
      summary: 'Force open, force closed, or back to the automatic schedule',
      roles: ['admin', 'supervisor'],
      body: OverrideInput,
    },
    async ({ req, params, body }) =>
      withTx(deps.db, (tx) =>
        service.setOverride(tx, id(params), body.mode, viaOf(req), actorFor(deps, byOf(req))),
      ),
  );
  api.op(
    {
      method: 'put',
      path: '/:id/pin',
      summary: 'Set (or with null remove) the PIN of the override feature code; it is stored hashed',
      roles: ['admin'],
      body: PinInput,
      status: 204,
    },
    async ({ params, body }) => {
      await withTx(deps.db, (tx) => service.setPin(tx, id(params), body.pin));
      return undefined;
    },
  );
  return router;
}
