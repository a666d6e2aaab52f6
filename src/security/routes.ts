import type { Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import type { Deps } from '../deps';
import { ADMIN, apiRouter } from '../http/api';
import { idParam } from '../http/parse';
import { AllowEntry, BanListQuery } from './schema';
import { addAllowed, liftBan, listAllowlist, listBans, listTrunkAddresses, removeAllowed } from './service';
import { trunkAddressBook } from './trunk-addresses';

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
  api.op(
    {
      method: 'get',
      path: '/allowlist',
      summary:
        "Addresses and networks never banned: the SIP_BAN_ALLOWLIST setting, the admins' entries and the trunks' addresses",
      roles: ADMIN,
    },
    async () => ({
      ...(await listAllowlist(deps.db, deps.config.sipBans.allowlist)),
      trunks: await listTrunkAddresses(deps.db, trunkAddressBook(deps.db)),
    }),
  );
  api.op(
    {
      method: 'post',
      path: '/allowlist',
      summary: 'Never ban an address or network; its active bans are lifted at once',
      roles: ADMIN,
      body: AllowEntry,
      status: 201,
    },
    async ({ req, body }) => addAllowed(deps.db, body, actorFor(deps, actorName(req))),
  );
  api.op(
    {
      method: 'delete',
      path: '/allowlist/:id',
      summary: 'Remove an allowlist entry (the address can be banned again)',
      roles: ADMIN,
      status: 204,
    },
    async ({ params }) => {
      await removeAllowed(deps.db, idParam(params));
    },
  );
  return api.router;
}
