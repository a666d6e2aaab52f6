import type { Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { apiRouter } from '../http/api';
import { crud, removeInTx, saveInTx } from '../http/crud';
import { idParam } from '../http/parse';
import { BlockedCaller, InboundRoute, OutboundRoute } from './schema';
import * as service from './service';

export function routeRoutes(deps: Deps): Router {
  const api = apiRouter(deps, '');
  crud(api, {
    db: deps.db,
    path: '/api/v1/outbound-routes',
    key: idParam,
    body: OutboundRoute,
    list: service.listOutbound,
    toApi: service.outboundToApi,
    save: saveInTx(deps, service.saveOutbound),
    remove: removeInTx(deps, service.removeOutbound),
    summary: {
      list: 'Outbound routes in the order they are tried',
      create: 'Create an outbound route (goes last unless position is given)',
      update: 'Replace an outbound route',
      remove: 'Delete an outbound route',
    },
  });
  crud(api, {
    db: deps.db,
    path: '/api/v1/inbound-routes',
    key: idParam,
    body: InboundRoute,
    list: service.listInbound,
    toApi: service.inboundToApi,
    save: saveInTx(deps, service.saveInbound),
    remove: removeInTx(deps, service.removeInbound),
    summary: {
      list: 'Inbound routes; the first that matches a call wins',
      create: 'Create an inbound route (DID, optional caller ID → destination)',
      update: 'Replace an inbound route',
      remove: 'Delete an inbound route',
    },
  });
  crud(api, {
    db: deps.db,
    path: '/api/v1/blocked-callers',
    key: idParam,
    body: BlockedCaller,
    list: service.listBlocked,
    create: (body, req) =>
      withTx(deps.db, (tx) => service.addBlocked(tx, body, actorFor(deps, actorName(req)))),
    remove: removeInTx(deps, service.removeBlocked),
    summary: {
      list: 'Caller number patterns refused on inbound calls',
      create: 'Block a caller number or pattern (hang up or busy)',
      remove: 'Unblock a caller pattern',
    },
  });
  return api.router;
}
