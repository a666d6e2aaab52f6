import { type FeatureModule, mountedAt } from '../core/feature';
import { callLogPages } from './pages';
import { callLogRoutes } from './routes';

export const journeysModule: FeatureModule = {
  name: 'journeys',
  ...mountedAt('/api/v1/calls', callLogRoutes, callLogPages),
};
