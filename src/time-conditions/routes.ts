import type { Request, Router } from 'express';
import { actorFor } from '../apply/trigger';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { ADMIN, ADMIN_SUPERVISOR, apiRouter } from '../http/api';
import { crud, removeInTx } from '../http/crud';
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
  const api = apiRouter(deps, '/api/v1/time-conditions');
  const id = (params: Record<string, string>) => idParam(params);
  const ctx = (req: Request): service.Context => ({
    actor: actorFor(deps, byOf(req)),
    zoneinfoDir: service.zoneinfoDirFor(deps.config.asteriskSoundsDir),
  });

  crud(api, {
    db: deps.db,
    key: idParam,
    body: TimeConditionInput,
    list: service.listApi,
    get: service.get,
    save: (key, body, req) => withTx(deps.db, (tx) => service.save(tx, key, body, ctx(req))),
    remove: removeInTx(deps, service.remove),
    summary: {
      list: 'Time conditions, each with whether it is open right now and why',
      create: 'Create a time condition (weekly schedule, holidays, time zone, open/closed destinations)',
      get: 'A time condition, its current state and what points at it',
      update: 'Replace a time condition (pin: absent keeps it, null removes it)',
      remove: 'Delete a time condition (409 while something points at it)',
    },
  });
  api.op(
    {
      method: 'put',
      path: '/:id/override',
      summary: 'Force open, force closed, or back to the automatic schedule',
      roles: ADMIN_SUPERVISOR,
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
      roles: ADMIN,
      body: PinInput,
      status: 204,
    },
    async ({ params, body }) => {
      await withTx(deps.db, (tx) => service.setPin(tx, id(params), body.pin));
      return undefined;
    },
  );
  return api.router;
}
