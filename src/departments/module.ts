import type { FeatureModule } from '../core/feature';
import { departmentPages } from './pages';
import { departmentRoutes } from './routes';

export const departmentsModule: FeatureModule = {
  name: 'departments',
  api: (deps) => [{ path: '/api/v1/departments', router: departmentRoutes(deps) }],
  pages: (deps) => [departmentPages(deps)],
};
