import { type FeatureModule, mountedAt } from '../core/feature';
import { followMePages } from './pages';
import { renderFollowMeDialplan } from './render';
import { listFollowMeForRender } from './repo';
import { followMeRoutes } from './routes';

export const followMeModule: FeatureModule = {
  name: 'follow-me',
  state: [{ key: 'followMe', load: listFollowMeForRender, readsAlso: ['extensions'] }],
  render: { dialplan: renderFollowMeDialplan },
  ...mountedAt('/api/v1/extensions', followMeRoutes, followMePages),
};
