import type { Request, Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { ADMIN, ALL_ROLES, apiRouter } from '../http/api';
import { PutFeatureCodes } from './schema';
import * as service from './service';

export function featureCodeRoutes(deps: Deps): Router {
  const api = apiRouter(deps, '/api/v1/feature-codes');
  const actor = (req: Request) => actorFor(deps, actorName(req));

  api.op(
    {
      method: 'get',
      path: '/',
      summary: 'The feature-code catalog with the codes in force',
      roles: ALL_ROLES,
    },
    async () => ({ items: await service.list(deps.db) }),
  );
  api.op(
    {
      method: 'put',
      path: '/',
      summary: 'Change codes or enable/disable them (the listed ones; the dialplan is reloaded)',
      roles: ADMIN,
      body: PutFeatureCodes,
    },
    async ({ req, body }) => ({ items: await withTx(deps.db, (tx) => service.put(tx, body, actor(req))) }),
  );
  return api.router;
}
