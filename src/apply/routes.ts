import type { Router } from 'express';
import { z } from 'zod';
import { actorName } from '../auth/middleware';
import type { Deps } from '../deps';
import { ADMIN, ADMIN_SUPERVISOR, apiRouter } from '../http/api';
import { listRevisions, revisionToApi } from './revisions.repo';

const ListQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(20) });

export function applyRoutes(deps: Deps): Router {
  const api = apiRouter(deps, '/api/v1/apply');

  api.op(
    {
      method: 'get',
      path: '/',
      summary: 'Latest apply revisions and their result',
      roles: ADMIN_SUPERVISOR,
      query: ListQuery,
    },
    async ({ query }) => {
      const revisions = await listRevisions(deps.db, query.limit);
      return { latest: revisions[0] ?? null, items: revisions };
    },
  );

  api.op(
    {
      method: 'post',
      path: '/',
      summary: 'Force an apply now; answers with its revision when it has finished',
      roles: ADMIN,
    },
    async ({ req }) => {
      return revisionToApi(
        await deps.applyQueue.requestAndFollow({ by: actorName(req), reason: 'forced apply' }),
      );
    },
  );

  return api.router;
}
