import { z } from 'zod';

export const QueueNumber = z.string().regex(/^[0-9]{1,10}$/, 'must be a queue number (digits)');
export const AgentExtension = z.string().regex(/^[0-9]{1,20}$/, 'must be an extension number');

// The reason goes into an Asterisk CLI command and the queue log: a short label, no quotes.
export const PauseReason = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(40, 'must be at most 40 characters')
  .regex(/^[A-Za-z0-9 _-]+$/, 'may contain only letters, digits, spaces, "_" and "-"');

export const AgentParams = z.strictObject({ number: QueueNumber, ext: AgentExtension });
export const QueueParams = z.strictObject({ number: QueueNumber });
// No body at all pauses with the reason "paused".
export const PauseInput = z.strictObject({ reason: PauseReason.optional() }).optional();
export type PauseInput = z.infer<typeof PauseInput>;

export const AGENT_ACTIONS = ['login', 'logout', 'pause', 'unpause'] as const;
export type AgentAction = (typeof AGENT_ACTIONS)[number];

export type MemberLiveState = 'available' | 'ringing' | 'in_call' | 'paused' | 'logged_out' | 'unavailable';

export interface AgentSession {
  queue: string;
  extension: string;
  dynamic: boolean;
  logged_in: boolean;
  paused: boolean;
  pause_reason: string | null;
  changed_at: string | null;
  // false when Asterisk could not be told now: the reconciler catches up once it is reachable.
  live_applied: boolean;
}

export interface LiveMember {
  extension: string;
  name: string;
  penalty: number;
  dynamic: boolean;
  logged_in: boolean;
  state: MemberLiveState;
  pause_reason: string | null;
  calls_taken: number;
  last_call_seconds_ago: number | null;
}

export interface LiveCaller {
  position: number;
  channel: string;
  caller_number: string | null;
  wait_seconds: number;
  priority: number;
}

export interface QueueLive {
  number: string;
  name: string;
  strategy: string;
  asterisk: 'ok' | 'queue_missing' | 'unreachable';
  members: LiveMember[];
  callers: LiveCaller[];
}
