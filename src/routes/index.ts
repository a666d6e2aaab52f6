// The routes feature's public face: what other features may use. Everything else in this
// folder is internal (the layering check in npm test enforces it).
export { cosContext, underEmergency } from './render';
export { listInbound } from './service';
export type { InboundRouteState, OutboundRouteState } from './state';
