// This feature's part of the desired state (what the renderer works from): its types, and its
// keys of DesiredState, merged in by declaration so render/ and apply/ never import this file.
import type { DestinationState } from '../render/state';

export const QUEUE_STRATEGIES = [
  'ringall',
  'leastrecent',
  'fewestcalls',
  'random',
  'rrmemory',
  'linear',
  'wrandom',
] as const;

export type QueueStrategy = (typeof QUEUE_STRATEGIES)[number];

export interface QueueMemberState {
  extension: string; // interface PJSIP/<extension>
  name: string; // the extension's display name (membername)
  penalty: number; // 0 first; higher penalties ring only when lower ones are all busy
  dynamic: boolean; // false: static member in queues.conf; true: an agent who logs in and out
}

export interface QueueState {
  number: string; // dialable number; Asterisk queue name sb-queue-<number>
  name: string;
  strategy: QueueStrategy;
  members: QueueMemberState[];
  ringSeconds: number; // per agent attempt (queues.conf timeout)
  retrySeconds: number;
  wrapUpSeconds: number;
  serviceLevelSeconds?: number; // answered within it counts toward the service level; 20 when absent
  maxWaitSeconds: number; // 0: no limit; then failoverDestination
  maxCallers: number; // 0: no limit; a full queue sends the call to failoverDestination
  joinWhenEmpty: boolean; // false: callers never join a queue with no available agent
  leaveWhenEmpty: boolean;
  announcePosition: boolean;
  announceHoldTime: boolean;
  periodicAnnounceGreetingId: number | null;
  periodicAnnounceSeconds: number;
  mohClass: string; // a musiconhold.conf class name ('default' or sb-moh-<id>)
  vipCallerIds: string[]; // caller numbers (digits) who get vipPriority
  vipPriority: number;
  failoverDestination: DestinationState;
  callback: {
    enabled: boolean;
    key: string; // one DTMF digit that exits the queue into the callback offer
    maxAttempts: number;
    retrySeconds: number;
    allowedClasses: string[]; // 'local' | 'national': the outbound route classes it may dial
    allowTypedNumbers: boolean; // false: only the caller's own caller ID
    maxPending: number;
    maxPerNumberPerDay: number;
    maxPerCallerPerDay: number;
  };
}

declare module '../render/state' {
  interface DesiredState {
    queues: QueueState[];
  }
}
