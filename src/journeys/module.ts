import type { FeatureModule } from '../core/feature';
import { callLogPages } from './pages';
import { callLogRoutes } from './routes';

export const journeysModule: FeatureModule = {
  name: 'journeys',
  api: (deps) => [{ path: '/api/v1/calls', router: callLogRoutes(deps) }],
  pages: (deps) => [callLogPages(deps)],
};
