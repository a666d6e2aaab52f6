import { type FeatureModule, mountedAt } from '../core/feature';
import { ringGroupPages } from './pages';
import { renderRingGroupDialplan } from './render';
import { listRingGroupsForRender } from './repo';
import { ringGroupRoutes } from './routes';

export const ringGroupsModule: FeatureModule = {
  name: 'ring-groups',
  state: [{ key: 'ringGroups', load: listRingGroupsForRender, readsAlso: ['extensions'] }],
  render: { dialplan: renderRingGroupDialplan },
  ...mountedAt('/api/v1/ring-groups', ringGroupRoutes, ringGroupPages),
};
