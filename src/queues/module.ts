import type { FeatureModule } from '../core/feature';
import { startQueueAgents } from './agents';
import { queueLivePages } from './agents/pages';
import { queueAgentRoutes } from './agents/routes';
import { startQueueCallbacks } from './callback';
import { queueCallbackPages } from './callback/pages';
import { renderQueueCallbackDialplan } from './callback/render';
import { queueCallbackRoutes } from './callback/routes';
import { queuePages } from './pages';
import { renderQueueDialplan, renderQueuesConf } from './render';
import { listQueuesForRender } from './repo';
import { queueRoutes } from './routes';

export const queuesModule: FeatureModule = {
  name: 'queues',
  state: [{ key: 'queues', load: listQueuesForRender, readsAlso: ['extensions', 'mohClasses', 'greetings'] }],
  render: {
    dialplan: (state) => renderQueueDialplan(state) + renderQueueCallbackDialplan(state),
    files: [{ name: 'queues.conf', render: (state) => ({ content: renderQueuesConf(state) }) }],
  },
  api: (deps) => [
    // Before the queues' own routes, so /callbacks is not read as a queue number.
    { path: '/api/v1/queues/callbacks', router: queueCallbackRoutes(deps) },
    { path: '/api/v1/queues', router: queueRoutes(deps) },
    { path: '/api/v1/queues', router: queueAgentRoutes(deps) },
  ],
  pages: (deps) => [queueCallbackPages(deps), queuePages(deps), queueLivePages(deps)],
  start: (deps) => {
    const agents = startQueueAgents(deps);
    const callbacks = startQueueCallbacks(deps);
    return {
      applied: (rev) => agents.applied(rev),
      stop: async () => {
        await agents.stop();
        await callbacks.stop();
      },
    };
  },
};
