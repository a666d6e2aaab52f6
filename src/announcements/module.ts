import type { FeatureModule } from '../core/feature';
import { announcementPages } from './pages';
import { renderAnnouncementDialplan } from './render';
import { announcementRoutes } from './routes';
import { listAnnouncements } from './service';

export const announcementsModule: FeatureModule = {
  name: 'announcements',
  state: [{ key: 'announcements', load: (db) => listAnnouncements(db) }],
  render: { dialplan: renderAnnouncementDialplan },
  api: (deps) => [{ path: '/api/v1/announcements', router: announcementRoutes(deps) }],
  pages: (deps) => [announcementPages(deps)],
};
