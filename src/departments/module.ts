import { type FeatureModule, mountedAt } from '../core/feature';
import { departmentPages } from './pages';
import { departmentRoutes } from './routes';

export const departmentsModule: FeatureModule = {
  name: 'departments',
  ...mountedAt('/api/v1/departments', departmentRoutes, departmentPages),
};
