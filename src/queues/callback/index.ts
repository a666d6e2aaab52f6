import type { Deps } from '../../deps';
import { findByNumber } from '../../extensions';
import { listOutbound } from '../../routes';
import { find } from '../repo';
import { CallbackEngine, type CallbackTiming } from './engine';
import { reachFor } from './reach';

export { CallbackEngine } from './engine';

// Subscribed before the event socket opens, like the feature codes, so no offer is missed.
export function startQueueCallbacks(deps: Deps, timing: Partial<CallbackTiming> = {}): CallbackEngine {
  const engine = new CallbackEngine(
    {
      db: deps.db,
      ari: deps.ari,
      log: deps.log,
      app: deps.config.ari.app,
      policy: async (queue) => (await find(deps.db, queue))?.state.callback ?? null,
      reach: async (number, allowedClasses) =>
        reachFor(
          number,
          (await findByNumber(deps.db, number)) !== undefined,
          await listOutbound(deps.db),
          allowedClasses,
        ),
    },
    { ringSeconds: deps.config.ringSeconds, ...timing },
  );
  engine.start();
  return engine;
}
