import type { Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import type { Deps } from '../deps';
import { ADMIN, apiRouter } from '../http/api';
import { idParam } from '../http/parse';
import { BanListQuery } from './schema';
import { liftBan, listBans } from './service';

// SIP bans API (/api/v1/security/bans): addresses refused at the SIP edge for guessing passwords.
export function securityRoutes(deps: Deps): Router {
  const api = apiRouter(deps, '/api/v1/security');
  api.op(
    {
      method: 'get',
      path: '/bans',
      summary: 'SIP bans: the active ones first (soonest to end first), then the history',
      roles: ADMIN,
      query: BanListQuery,
    },
    async ({ query }) => ({ items: await listBans(deps.db, query.limit) }),
  );
  api.op(
    {
      method: 'delete',
      path: '/bans/:id',
      summary: 'Lift an active SIP ban now (404 when it has ended already)',
      roles: ADMIN,
    },
    async ({ req, params }) => liftBan(deps.db, idParam(params), actorFor(deps, actorName(req))),
  );
  return api.router;
}
