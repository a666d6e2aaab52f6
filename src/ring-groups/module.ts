import type { FeatureModule } from '../core/feature';
import { ringGroupPages } from './pages';
import { renderRingGroupDialplan } from './render';
import { listRingGroupsForRender } from './repo';
import { ringGroupRoutes } from './routes';

export const ringGroupsModule: FeatureModule = {
  name: 'ring-groups',
  state: [{ key: 'ringGroups', load: listRingGroupsForRender, readsAlso: ['extensions'] }],
  render: { dialplan: renderRingGroupDialplan },
  api: (deps) => [{ path: '/api/v1/ring-groups', router: ringGroupRoutes(deps) }],
  pages: (deps) => [ringGroupPages(deps)],
};
