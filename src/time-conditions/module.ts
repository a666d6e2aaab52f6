import type { FeatureModule } from '../core/feature';
import { timeConditionPages } from './pages';
import { renderTimeConditions } from './render';
import { timeConditionRoutes } from './routes';
import { listForRender } from './service';

export const timeConditionsModule: FeatureModule = {
  name: 'time-conditions',
  state: [{ key: 'timeConditions', load: listForRender }],
  render: { dialplan: renderTimeConditions },
  api: (deps) => [{ path: '/api/v1/time-conditions', router: timeConditionRoutes(deps) }],
  pages: (deps) => [timeConditionPages(deps)],
};
