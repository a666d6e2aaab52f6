// The ivrs feature's public face: what other features may use. Everything else in this
// folder is internal (the layering check in npm test enforces it).
export { directDialPatterns } from './direct-dial';
export { assertGreetingExists } from './greeting-ref';
export { greetingSound } from './render';
export { IvrName } from './schema';
export type { IvrState } from './state';
