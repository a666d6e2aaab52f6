import { type FeatureModule, mountedAt } from '../core/feature';
import { confTemplate } from '../render/engine';
import { DEFAULT_MEDIA_TIMERS } from '../render/state';
import { trunkPages } from './pages';
import { trunksView } from './render';
import * as repo from './repo';
import { trunkRoutes } from './routes';
import { trunkStatuses } from './status';

export const trunksModule: FeatureModule = {
  name: 'trunks',
  state: [{ key: 'trunks', load: async (db) => (await repo.list(db)).map(repo.toState) }],
  render: {
    files: [
      {
        name: 'pjsip_trunks.conf',
        render: (state) => ({
          content: confTemplate('pjsip_trunks.conf')({
            trunks: trunksView(state.trunks),
            media: state.settings.media ?? DEFAULT_MEDIA_TIMERS,
          }),
        }),
      },
    ],
  },
  sealed: [{ table: 'trunks', key: 'id', column: 'password' }],
  ...mountedAt('/api/v1/trunks', trunkRoutes, trunkPages),
  // Reported on /readyz, not judged: a carrier outage must not take Switchboard out of a load
  // balancer, which would only add a second outage.
  status: async (deps) => {
    const rows = await repo.list(deps.db);
    const statuses = await trunkStatuses(deps, rows);
    return {
      trunks: rows.map((t) => ({
        name: t.name,
        registration: statuses.get(t.id)?.registration ?? 'unknown',
        reachability: statuses.get(t.id)?.reachability ?? 'unknown',
      })),
    };
  },
};
