import type { FeatureModule } from '../core/feature';
import { routePages } from './pages';
import { routingView } from './render';
import { routeRoutes } from './routes';
import { listBlocked, listInbound, listOutbound } from './service';

export const routesModule: FeatureModule = {
  name: 'routes',
  state: [
    { key: 'outboundRoutes', load: listOutbound, readsAlso: ['trunks'] },
    { key: 'inboundRoutes', load: listInbound },
    {
      key: 'blockedCallers',
      load: async (db) => (await listBlocked(db)).map(({ pattern, action }) => ({ pattern, action })),
    },
  ],
  render: { dialplanView: routingView },
  api: (deps) => [{ router: routeRoutes(deps) }],
  pages: (deps) => [routePages(deps)],
};
