import { type FeatureModule, mountedAt } from '../core/feature';
import { mohPages } from './pages';
import { renderMohConf } from './render';
import { listMohClassesForRender } from './repo';
import { mohRoutes } from './routes';
import { mohUploads } from './upload';

export const mohModule: FeatureModule = {
  name: 'moh',
  state: [{ key: 'mohClasses', load: listMohClassesForRender }],
  render: { files: [{ name: 'musiconhold.conf', render: (state) => ({ content: renderMohConf(state) }) }] },
  ...mountedAt('/api/v1/moh', mohRoutes, mohPages),
  uploads: mohUploads,
};
