// The routes feature's public face: what other features may use. Everything else in this
// folder is internal (the layering check in npm test enforces it).
export {
  classifyNumber,
  hardRefusal,
  isEmergencyNumber,
  type NumberVerdict,
  type RouteClass,
} from './classify';
export { cosContext, underEmergency } from './render';
export { listInbound, listOutbound } from './service';
export type { InboundRouteState, OutboundRouteState } from './state';
