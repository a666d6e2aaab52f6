// The extensions feature's public face: what other features may use. Everything else in this
// folder is internal (the layering check in npm test enforces it).
export { findByNumber } from './repo';
export { CallerIdNumber, CODECS, Email } from './schema';
