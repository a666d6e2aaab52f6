// The feature-codes feature's public face: what other features may use. Everything else in this
// folder is internal (the layering check in npm test enforces it).
export { DEFAULT_ARI_APP } from './render';
export { loadFeatureCodes } from './repo';
