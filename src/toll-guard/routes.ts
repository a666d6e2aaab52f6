import type { Request, Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { assertAdminOrOwner } from '../http/access';
import { ADMIN, ADMIN_USER, apiRouter } from '../http/api';
import { parse } from '../http/parse';
import * as repo from './repo';
import {
  AlertsQuery,
  ExtensionParam,
  ExtensionTollLimits,
  TollSettings,
  TrunkParam,
  TrunkTollLimits,
} from './schema';
import * as service from './service';

// Full paths (mounted at the root): the limits sit under the extension and the trunk they limit.
export function tollGuardRoutes(deps: Deps): Router {
  const api = apiRouter(deps, '');
  const actor = (req: Request) => actorFor(deps, actorName(req));
  const extension = (params: Record<string, string>) =>
    parse(ExtensionParam, { number: params['number'] }).number;
  const trunk = (params: Record<string, string>) => parse(TrunkParam, { id: params['id'] }).id;

  api.op(
    {
      method: 'get',
      path: '/api/v1/extensions/:number/toll-limits',
      summary:
        "An extension's toll-fraud limits: may it forward externally, forwarded-call cap, international limits (admin, or its owner)",
      roles: ADMIN_USER,
    },
    async ({ req, params }) => {
      const number = extension(params);
      assertAdminOrOwner(req.auth?.user, number, 'only an admin or the extension owner may see this');
      return service.getExtensionLimits(deps.db, number);
    },
  );
  api.op(
    {
      method: 'put',
      path: '/api/v1/extensions/:number/toll-limits',
      summary:
        'Set whether the extension may forward (and follow-me, and transfer outside calls) to external numbers, its cap of forwarded or transferred calls out at once, and its international concurrent/daily limits (null: none). Admin only',
      roles: ADMIN,
      body: ExtensionTollLimits,
    },
    async ({ req, params, body }) => {
      const number = extension(params);
      return withTx(deps.db, (tx) => service.saveExtensionLimits(tx, number, body, actor(req)));
    },
  );
  api.op(
    {
      method: 'get',
      path: '/api/v1/trunks/:id/toll-limits',
      summary: "A trunk's international limits: calls at once and calls a day (null: none)",
      roles: ADMIN,
    },
    async ({ params }) => service.getTrunkLimits(deps.db, trunk(params)),
  );
  api.op(
    {
      method: 'put',
      path: '/api/v1/trunks/:id/toll-limits',
      summary:
        "Set a trunk's international limits; a call over them is not sent on this trunk and raises an alert",
      roles: ADMIN,
      body: TrunkTollLimits,
    },
    async ({ req, params, body }) => {
      const id = trunk(params);
      return withTx(deps.db, (tx) => service.saveTrunkLimits(tx, id, body, actor(req)));
    },
  );
  api.op(
    {
      method: 'get',
      path: '/api/v1/toll-guard/settings',
      summary: 'Where spend-guard alerts are emailed',
      roles: ADMIN,
    },
    async () => ({ alert_email: await repo.alertEmail(deps.db) }),
  );
  api.op(
    {
      method: 'put',
      path: '/api/v1/toll-guard/settings',
      summary: 'Set the address spend-guard alerts are emailed to (null: record them, email nobody)',
      roles: ADMIN,
      body: TollSettings,
    },
    async ({ body }) => {
      await repo.saveAlertEmail(deps.db, body.alert_email);
      return { alert_email: body.alert_email };
    },
  );
  api.op(
    {
      method: 'get',
      path: '/api/v1/toll-guard/alerts',
      summary:
        'Spend-guard alerts, newest first: which limit refused which call, and whether the email went out',
      roles: ADMIN,
      query: AlertsQuery,
    },
    async ({ query }) => ({
      items: (await repo.listAlerts(deps.db, query.limit)).map((a) => ({
        ...a,
        created_at: new Date(a.created_at).toISOString(),
      })),
    }),
  );
  return api.router;
}
