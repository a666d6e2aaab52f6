import type { Router } from 'express';
import { actorFor } from '../apply/trigger';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { ADMIN, ADMIN_SUPERVISOR, apiRouter } from '../http/api';
import { byOf, viaOf } from '../time-conditions';
import { EmergencyInput, EmergencyPinInput } from './schema';
import * as service from './service';

export function emergencyRoutes(deps: Deps): Router {
  const api = apiRouter(deps, '/api/v1/emergency');

  api.op(
    {
      method: 'get',
      path: '/',
      summary: 'Emergency mode: on or off, what it routes where, who switched it and when (with the log)',
      roles: ADMIN_SUPERVISOR,
    },
    async () => service.get(deps.db),
  );
  api.op(
    {
      method: 'put',
      path: '/',
      summary:
        'Switch emergency mode and set its scope (all routes or route_ids), greeting and destination; ' +
        'switching on needs a greeting and a destination (422)',
      roles: ADMIN,
      body: EmergencyInput,
    },
    async ({ req, body }) =>
      withTx(deps.db, (tx) => service.configure(tx, body, byOf(req), viaOf(req), actorFor(deps, byOf(req)))),
  );
  api.op(
    {
      method: 'put',
      path: '/pin',
      summary: 'Set (or with null remove) the PIN of the *99 feature code; it is stored hashed',
      roles: ADMIN,
      body: EmergencyPinInput,
      status: 204,
    },
    async ({ req, body }) => {
      await withTx(deps.db, (tx) => service.setPin(tx, body.pin, actorFor(deps, byOf(req))));
      return undefined;
    },
  );
  return api.router;
}
