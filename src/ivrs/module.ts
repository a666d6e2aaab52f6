import { type FeatureModule, mountedAt } from '../core/feature';
import { ivrPages } from './pages';
import { renderIvrDialplan } from './render';
import { ivrRoutes } from './routes';
import { listIvrs } from './service';

export const ivrsModule: FeatureModule = {
  name: 'ivrs',
  state: [{ key: 'ivrs', load: (db) => listIvrs(db) }],
  render: { dialplan: renderIvrDialplan },
  ...mountedAt('/api/v1/ivrs', ivrRoutes, ivrPages),
};
