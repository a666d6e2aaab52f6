import type { Deps } from '../deps';
import { WallboardHub } from './hub';
import { SnapshotBuilder } from './snapshot';

const hubs = new WeakMap<Deps, WallboardHub>();

// One hub per Switchboard, shared by the API and the page routers; created on first use and
// stopped (open streams ended) before the HTTP server closes.
export function hubFor(deps: Deps): WallboardHub {
  let hub = hubs.get(deps);
  if (!hub) {
    const builder = new SnapshotBuilder({
      db: deps.db,
      ari: deps.ari,
      control: deps.control,
      log: deps.log,
      timezone: deps.config.analytics.reportTimezone,
    });
    hub = new WallboardHub(builder, deps.ari, deps.config.ari.app, deps.log);
    hubs.set(deps, hub);
    const created = hub;
    deps.lifecycle.onStop(() => created.stop());
  }
  return hub;
}
