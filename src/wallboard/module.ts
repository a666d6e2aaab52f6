import { type FeatureModule, mountedAt } from '../core/feature';
import { wallboardPages } from './pages';
import { wallboardRoutes } from './routes';

export const wallboardModule: FeatureModule = {
  name: 'wallboard',
  ...mountedAt('/api/v1/wallboard', wallboardRoutes, wallboardPages),
};
