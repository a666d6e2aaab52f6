import { type FeatureModule, mountedAt } from '../core/feature';
import { emergencyPages } from './pages';
import { renderEmergency } from './render';
import { emergencyRoutes } from './routes';
import { loadForRender } from './service';

export const emergencyModule: FeatureModule = {
  name: 'emergency',
  state: [{ key: 'emergency', load: loadForRender, readsAlso: ['inboundRoutes', 'greetings'] }],
  render: { dialplan: renderEmergency },
  ...mountedAt('/api/v1/emergency', emergencyRoutes, emergencyPages),
};
