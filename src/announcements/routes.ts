import { type Request, Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { ApiRouter } from '../http/api';
import { idParam } from '../http/parse';
import { Announcement } from './schema';
import * as service from './service';

export function announcementRoutes(deps: Deps): Router {
  const router = Router();
  const api = new ApiRouter(router, '/api/v1/announcements', deps.openapi);
  const id = (params: Record<string, string>) => idParam(params);
  const actor = (req: Request) => actorFor(deps, actorName(req));

  api.op(
    { method: 'get', path: '/', summary: 'Announcements', roles: ['admin', 'supervisor'] },
    async () => ({ items: (await service.listAnnouncements(deps.db)).map(service.announcementToApi) }),
  );
  api.op(
    {
      method: 'post',
      path: '/',
      summary: 'Create an announcement: play a greeting, then go to a destination',
      roles: ['admin'],
      body: Announcement,
      status: 201,
    },
    async ({ req, body }) => withTx(deps.db, (tx) => service.saveAnnouncement(tx, null, body, actor(req))),
  );
  api.op(
    { method: 'get', path: '/:id', summary: 'An announcement', roles: ['admin', 'supervisor'] },
    async ({ params }) => service.getAnnouncement(deps.db, id(params)),
  );
  api.op(
    {
      method: 'put',
      path: '/:id',
      summary: 'Replace an announcement',
      roles: ['admin'],
      body: Announcement,
    },
    async ({ req, params, body }) =>
      withTx(deps.db, (tx) => service.saveAnnouncement(tx, id(params), body, actor(req))),
  );
  api.op(
    {
      method: 'delete',
      path: '/:id',
      summary: 'Delete an announcement (409 while something leads to it)',
      roles: ['admin'],
      status: 204,
    },
    async ({ req, params }) => {
      await withTx(deps.db, (tx) => service.removeAnnouncement(tx, id(params), actor(req)));
      return undefined;
    },
  );
  return router;
}
