// The toll guard's public face: what other features may use. Everything else in this folder is
// internal (the layering check in npm test enforces it).

export { recentTollAlerts } from './alerts';
export { type ExtensionTollLimitsApi, getExtensionLimits, mayForwardExternally } from './service';
export type { TollGuardState } from './state';
export { assertForwardTargets, isEmergencyOrShortCode, type Target } from './targets';
