import type { FeatureModule } from '../core/feature';
import { emergencyPages } from './pages';
import { renderEmergency } from './render';
import { emergencyRoutes } from './routes';
import { loadForRender } from './service';

export const emergencyModule: FeatureModule = {
  name: 'emergency',
  state: [{ key: 'emergency', load: loadForRender, readsAlso: ['inboundRoutes', 'greetings'] }],
  render: { dialplan: renderEmergency },
  api: (deps) => [{ path: '/api/v1/emergency', router: emergencyRoutes(deps) }],
  pages: (deps) => [emergencyPages(deps)],
};
