import type { FeatureModule } from '../core/feature';
import { mohPages } from './pages';
import { renderMohConf } from './render';
import { listMohClassesForRender } from './repo';
import { mohRoutes } from './routes';
import { mohUploads } from './upload';

export const mohModule: FeatureModule = {
  name: 'moh',
  state: [{ key: 'mohClasses', load: listMohClassesForRender }],
  render: { files: [{ name: 'musiconhold.conf', render: (state) => ({ content: renderMohConf(state) }) }] },
  api: (deps) => [{ path: '/api/v1/moh', router: mohRoutes(deps) }],
  pages: (deps) => [mohPages(deps)],
  uploads: mohUploads,
};
