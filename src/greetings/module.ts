import { type FeatureModule, mountedAt } from '../core/feature';
import { greetingPages } from './pages';
import { greetingRoutes } from './routes';
import { listGreetingsForRender } from './service';
import { greetingUploads } from './upload';

export const greetingsModule: FeatureModule = {
  name: 'greetings',
  state: [{ key: 'greetings', load: listGreetingsForRender }],
  ...mountedAt('/api/v1/greetings', greetingRoutes, greetingPages),
  uploads: greetingUploads,
};
