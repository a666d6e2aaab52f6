import { type FeatureModule, mountedAt } from '../core/feature';
import { announcementPages } from './pages';
import { renderAnnouncementDialplan } from './render';
import { announcementRoutes } from './routes';
import { listAnnouncements } from './service';

export const announcementsModule: FeatureModule = {
  name: 'announcements',
  state: [{ key: 'announcements', load: (db) => listAnnouncements(db) }],
  render: { dialplan: renderAnnouncementDialplan },
  ...mountedAt('/api/v1/announcements', announcementRoutes, announcementPages),
};
