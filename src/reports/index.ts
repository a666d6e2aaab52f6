// The reports feature's public face: what other features may use. Everything else in this
// folder is internal (the layering check in npm test enforces it).
export { runReport } from './service';
