import type { FeatureModule } from '../core/feature';
import { callFlowPages } from './pages';
import { callFlowRoutes } from './routes';

export const callFlowModule: FeatureModule = {
  name: 'callflow',
  api: (deps) => [{ router: callFlowRoutes(deps) }],
  pages: (deps) => [callFlowPages(deps)],
};
