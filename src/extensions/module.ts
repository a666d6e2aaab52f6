import { type FeatureModule, mountedAt } from '../core/feature';
import { extensionPages } from './pages';
import { dialplanView, pjsipFile } from './render';
import { listAllForRender, listForRender } from './repo';
import { extensionRoutes } from './routes';

export const extensionsModule: FeatureModule = {
  name: 'extensions',
  state: [
    {
      key: 'extensions',
      load: (db) => listAllForRender(db),
      // 10,000 extensions and one changed: one row is read again.
      loadSome: { id: (e) => e.number, read: (db, numbers) => listForRender(db, numbers) },
    },
  ],
  render: {
    dialplanView: (state) => dialplanView(state.settings),
    files: [{ name: 'pjsip.conf', render: pjsipFile }],
  },
  sealed: [{ table: 'extensions', key: 'number', column: 'sip_secret' }],
  ...mountedAt('/api/v1/extensions', extensionRoutes, extensionPages),
};
