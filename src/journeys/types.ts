// A call journey: one row per call (linkedid) in call_journeys, built by build.ts from CDR,
// CEL and queue_log once the call has ended (CEL LINKEDID_END).

export const DIRECTIONS = ['inbound', 'outbound', 'internal'] as const;
export type Direction = (typeof DIRECTIONS)[number];

// answered  a person (extension, queue agent, or the far end of an outbound call) answered
// missed    rang people (an extension, ring group or queue agents) and nobody answered,
//           and no voicemail was left; for inbound/internal only
// voicemail nobody answered and the caller left a voicemail message
// abandoned the caller hung up while waiting in a queue
// callback  the caller left the queue asking to be called back
// busy      outbound/internal: the callee was busy (or DND)
// failed    outbound/internal: no route, congestion, trunk failure
export const OUTCOMES = [
  'answered',
  'missed',
  'voicemail',
  'abandoned',
  'callback',
  'busy',
  'failed',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const PARTY_ROLES = [
  'caller',
  'rung',
  'answered',
  'agent_rung',
  'agent_answered',
  'voicemail',
] as const;
export type PartyRole = (typeof PARTY_ROLES)[number];

export interface JourneyStep {
  at: string; // ISO 8601 with milliseconds, UTC
  kind:
    | 'start'
    | 'inbound_route'
    | 'outbound_route'
    | 'ivr_key'
    | 'time_condition'
    | 'queue_enter'
    | 'queue_ring'
    | 'queue_connect'
    | 'queue_abandon'
    | 'queue_timeout'
    | 'queue_callback'
    | 'ring'
    | 'answer'
    | 'transfer'
    | 'voicemail'
    | 'recording'
    | 'hangup';
  detail: string;
}

export interface Journey {
  id: number;
  linkedid: string;
  startedAt: Date;
  answeredAt: Date | null;
  endedAt: Date;
  direction: Direction;
  callerNumber: string;
  callerName: string;
  calledNumber: string;
  did: string | null;
  trunk: string | null;
  outcome: Outcome;
  answeredBy: string | null;
  queueNumber: string | null;
  queueWaitSeconds: number | null;
  queuePosition: number | null;
  ivrPath: string;
  waitSeconds: number;
  talkSeconds: number;
  durationSeconds: number;
  transfers: number;
  voicemailBox: string | null;
  steps: JourneyStep[];
}

export interface JourneyParty {
  extension: string;
  role: PartyRole;
}
