// The voicemail feature's public face: what other features may use. Everything else in this
// folder is internal (the layering check in npm test enforces it).
export { syncWithFlag } from './boxes';
export {
  OPEN_CONTEXT as VOICEMAIL_OPEN_CONTEXT,
  pinGuard as voicemailPinGuard,
  pinHashOf as voicemailPinHash,
  republishGreeting,
} from './boxes/service';
export { transportFor } from './delivery/mailer';
export { getSmtp, type SmtpSettings } from './delivery/repo';
