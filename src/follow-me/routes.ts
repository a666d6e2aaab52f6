import type { Request, Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { ADMIN_USER, apiRouter } from '../http/api';
import { parse } from '../http/parse';
import { FollowMe, FollowMeExtension } from './schema';
import * as service from './service';

// /api/v1/extensions/:number/follow-me. Roles admit admins and users; assertFollowMeAccess
// narrows users to their own extension.
export function followMeRoutes(deps: Deps): Router {
  const api = apiRouter(deps, '/api/v1/extensions');
  const actor = (req: Request) => actorFor(deps, actorName(req));
  const extension = (req: Request, params: Record<string, string>) => {
    const number = parse(FollowMeExtension, params['number']);
    service.assertFollowMeAccess(req.auth?.user, number);
    return number;
  };

  api.op(
    {
      method: 'get',
      path: '/:number/follow-me',
      summary: "An extension's follow-me: on/off, steps, final destination (users: their own)",
      roles: ADMIN_USER,
    },
    async ({ req, params }) => service.getFollowMe(deps.db, extension(req, params)),
  );
  api.op(
    {
      method: 'put',
      path: '/:number/follow-me',
      summary:
        "Replace an extension's follow-me: ordered steps (extensions or external numbers, ring time each, external ones confirmed by pressing 1), then the final destination (default: its voicemail). Users: their own",
      roles: ADMIN_USER,
      body: FollowMe,
    },
    async ({ req, params, body }) => {
      const number = extension(req, params);
      return withTx(deps.db, (tx) => service.saveFollowMe(tx, number, body, actor(req)));
    },
  );
  return api.router;
}
