import type { FeatureModule } from '../core/feature';
import { wallboardPages } from './pages';
import { wallboardRoutes } from './routes';

export const wallboardModule: FeatureModule = {
  name: 'wallboard',
  api: (deps) => [{ path: '/api/v1/wallboard', router: wallboardRoutes(deps) }],
  pages: (deps) => [wallboardPages(deps)],
};
