import { type FeatureModule, mountedAt } from '../core/feature';
import { featureCodePages } from './pages';
import { renderFeatureCodes } from './render';
import { loadFeatureCodes } from './repo';
import { featureCodeRoutes } from './routes';
import { startFeatureCodes } from './runtime';

export const featureCodesModule: FeatureModule = {
  name: 'feature-codes',
  state: [{ key: 'featureCodes', load: loadFeatureCodes }],
  render: { dialplan: renderFeatureCodes },
  ...mountedAt('/api/v1/feature-codes', featureCodeRoutes, featureCodePages),
  start: startFeatureCodes,
};
