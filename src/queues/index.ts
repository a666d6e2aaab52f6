// The queues feature's public face: what other features may use. Everything else in this
// folder is internal (the layering check in npm test enforces it).

export {
  memberLabel,
  parseQueueShow,
  queueCommands,
  type ShownMember,
  type ShownQueue,
} from './agents/asterisk';
export { sessions } from './agents/repo';
export { memberName } from './render';
export * as queuesRepo from './repo';
export type { QueueState } from './state';
