import type { FeatureModule } from '../core/feature';
import { ivrPages } from './pages';
import { renderIvrDialplan } from './render';
import { ivrRoutes } from './routes';
import { listIvrs } from './service';

export const ivrsModule: FeatureModule = {
  name: 'ivrs',
  state: [{ key: 'ivrs', load: (db) => listIvrs(db) }],
  render: { dialplan: renderIvrDialplan },
  api: (deps) => [{ path: '/api/v1/ivrs', router: ivrRoutes(deps) }],
  pages: (deps) => [ivrPages(deps)],
};
