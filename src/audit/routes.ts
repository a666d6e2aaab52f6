import type { Router } from 'express';
import type { Deps } from '../deps';
import { ADMIN, apiRouter } from '../http/api';
import { listAudit } from './repo';
import { AuditQuery } from './schema';

export function auditFilter(q: AuditQuery) {
  return {
    actor: q.actor,
    action: q.action,
    objectType: q.object_type,
    objectId: q.object_id,
    from: q.from,
    to: q.to,
    page: q.page,
    perPage: q.per_page,
  };
}

export function auditRoutes(deps: Deps): Router {
  const api = apiRouter(deps, '/api/v1/audit');
  api.op(
    {
      method: 'get',
      path: '/',
      summary:
        'The audit log, newest first: actor (username), action (part of "METHOD /path" or of its summary), object_type, object_id, from/to (YYYY-MM-DD or ISO; to exclusive, a bare date includes that day), page, per_page (≤ 200)',
      roles: ADMIN,
      query: AuditQuery,
    },
    async ({ query }) => {
      const { items, total } = await listAudit(deps.db, auditFilter(query));
      return { items, total, page: query.page, per_page: query.per_page };
    },
  );
  return api.router;
}
