// The time-conditions feature's public face: what other features may use. Everything else in this
// folder is internal (the layering check in npm test enforces it).
export * as timeConditionsRepo from './repo';
export { byOf, viaOf } from './routes';
export { isOpenAt, localTime, normalise } from './schedule';
export { Pin } from './schema';
export * as timeConditionsService from './service';
export type { TimeConditionState } from './state';
