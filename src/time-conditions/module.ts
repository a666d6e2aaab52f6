import { type FeatureModule, mountedAt } from '../core/feature';
import { timeConditionPages } from './pages';
import { renderTimeConditions } from './render';
import { timeConditionRoutes } from './routes';
import { listForRender } from './service';

export const timeConditionsModule: FeatureModule = {
  name: 'time-conditions',
  state: [{ key: 'timeConditions', load: listForRender }],
  render: { dialplan: renderTimeConditions },
  ...mountedAt('/api/v1/time-conditions', timeConditionRoutes, timeConditionPages),
};
