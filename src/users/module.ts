import type { FeatureModule } from '../core/feature';
import { accountPages } from './account-pages';
import { userPages } from './pages';
import { userRoutes } from './routes';

export const usersModule: FeatureModule = {
  name: 'users',
  api: (deps) => [{ router: userRoutes(deps) }],
  pages: (deps) => [userPages(deps), accountPages(deps)],
};
