import { type FeatureModule, mountedAt } from '../core/feature';
import { callHandlingPages } from './pages';
import { renderCallHandlingDialplan } from './render';
import { callHandlingRoutes } from './routes';
import { startCallHandling } from './runtime';

export const callHandlingModule: FeatureModule = {
  name: 'call-handling',
  render: { dialplan: renderCallHandlingDialplan },
  ...mountedAt('/api/v1/extensions', callHandlingRoutes, callHandlingPages),
  start: startCallHandling,
};
