// The call-flow feature's public face. Its pattern matcher is Asterisk's own (ported from
// main/pbx.c), so other features that must decide as the dialplan does use this one.
export { extensionMatches } from './pattern';
