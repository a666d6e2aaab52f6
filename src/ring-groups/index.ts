// The ring-groups feature's public face: what other features may use. Everything else in this
// folder is internal (the layering check in npm test enforces it).
export { memberDialString } from './render';
export { ExtensionTarget, ExternalNumber } from './schema';
export type { RingGroupState } from './state';
