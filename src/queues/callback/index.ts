import type { Deps } from '../../deps';
import { findByNumber } from '../../extensions';
import { listQueuesForRender } from '../repo';
import { CallbackEngine, type CallbackTiming } from './engine';

export { CallbackEngine } from './engine';

// Subscribed before the event socket opens, like the feature codes, so no offer is missed.
export function startQueueCallbacks(deps: Deps, timing: Partial<CallbackTiming> = {}): CallbackEngine {
  const engine = new CallbackEngine(
    {
      db: deps.db,
      ari: deps.ari,
      log: deps.log,
      app: deps.config.ari.app,
      policy: async (queue) => {
        const q = (await listQueuesForRender(deps.db)).find((x) => x.number === queue);
        return q
          ? {
              enabled: q.callback.enabled,
              maxAttempts: q.callback.maxAttempts,
              retrySeconds: q.callback.retrySeconds,
            }
          : null;
      },
      isExtension: async (number) => (await findByNumber(deps.db, number)) !== undefined,
    },
    { ringSeconds: deps.config.ringSeconds, ...timing },
  );
  engine.start();
  return engine;
}
