import type { FeatureModule } from '../core/feature';
import { greetingPages } from './pages';
import { greetingRoutes } from './routes';
import { listGreetingsForRender } from './service';
import { greetingUploads } from './upload';

export const greetingsModule: FeatureModule = {
  name: 'greetings',
  state: [{ key: 'greetings', load: listGreetingsForRender }],
  api: (deps) => [{ path: '/api/v1/greetings', router: greetingRoutes(deps) }],
  pages: (deps) => [greetingPages(deps)],
  uploads: greetingUploads,
};
