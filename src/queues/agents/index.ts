import type { Revision } from '../../apply/revisions.repo';
import type { Deps } from '../../deps';
import { AgentCodes } from './handler';
import { AgentReconciler } from './reconcile';
import { QueueAgents } from './service';

export { renderAgentCodes } from './render';

// One QueueAgents per Switchboard (the routes, the phone codes and the reconciler share its
// lock), found from the deps the app was built with.
const instances = new WeakMap<Deps, QueueAgents>();

export function agentsFor(deps: Deps): QueueAgents {
  let agents = instances.get(deps);
  if (!agents) {
    agents = new QueueAgents({ db: deps.db, control: deps.control, log: deps.log });
    instances.set(deps, agents);
  }
  return agents;
}

export interface QueueAgentsRuntime {
  applied(rev: Revision): void;
  stop(): Promise<void>;
}

// Subscribe before the ARI event socket opens, so no *45 / *46 call is missed.
export function startQueueAgents(deps: Deps): QueueAgentsRuntime {
  const agents = agentsFor(deps);
  const codes = new AgentCodes(deps.ari, deps.log, agents);
  codes.start();
  const reconciler = new AgentReconciler(agents, deps.ari);
  reconciler.start();
  return {
    applied: (rev) => reconciler.applied(rev),
    stop: async () => {
      await codes.stop();
      await reconciler.stop();
    },
  };
}
