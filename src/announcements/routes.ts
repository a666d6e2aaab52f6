import type { Router } from 'express';
import type { Deps } from '../deps';
import { apiRouter } from '../http/api';
import { crud, removeInTx, saveInTx } from '../http/crud';
import { idParam } from '../http/parse';
import { Announcement } from './schema';
import * as service from './service';

export function announcementRoutes(deps: Deps): Router {
  const api = apiRouter(deps, '/api/v1/announcements');
  crud(api, {
    db: deps.db,
    key: idParam,
    body: Announcement,
    list: service.listAnnouncements,
    toApi: service.announcementToApi,
    get: service.getAnnouncement,
    save: saveInTx(deps, service.saveAnnouncement),
    remove: removeInTx(deps, service.removeAnnouncement),
    summary: {
      list: 'Announcements',
      create: 'Create an announcement: play a greeting, then go to a destination',
      get: 'An announcement',
      update: 'Replace an announcement',
      remove: 'Delete an announcement (409 while something leads to it)',
    },
  });
  return api.router;
}
