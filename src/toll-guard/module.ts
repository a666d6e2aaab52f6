import type { FeatureModule } from '../core/feature';
import { TollAlerts } from './alerts';
import { tollGuardPages } from './pages';
import { renderTollGuardDialplan } from './render';
import { tollGuardRoutes } from './routes';
import { loadTollGuardState } from './service';

export const tollGuardModule: FeatureModule = {
  name: 'toll-guard',
  state: [{ key: 'tollGuard', load: loadTollGuardState, readsAlso: ['extensions', 'trunks'] }],
  render: { dialplan: renderTollGuardDialplan },
  api: (deps) => [{ router: tollGuardRoutes(deps) }],
  pages: (deps) => [tollGuardPages(deps)],
  start: (deps) => {
    const alerts = new TollAlerts(deps.db, deps.ari, deps.log);
    alerts.start();
    return {
      jobs: [{ name: 'toll-alert-email', cron: '* * * * *', run: () => alerts.sendDue(), noOverlap: true }],
      stop: () => alerts.stop(),
      handle: alerts,
    };
  },
};
