import type { FeatureModule } from '../core/feature';
import { callHandlingPages } from './pages';
import { renderCallHandlingDialplan } from './render';
import { callHandlingRoutes } from './routes';
import { startCallHandling } from './runtime';

export const callHandlingModule: FeatureModule = {
  name: 'call-handling',
  render: { dialplan: renderCallHandlingDialplan },
  api: (deps) => [{ path: '/api/v1/extensions', router: callHandlingRoutes(deps) }],
  pages: (deps) => [callHandlingPages(deps)],
  start: startCallHandling,
};
