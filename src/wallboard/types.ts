// What the wallboard shows, as GET /api/v1/wallboard and every SSE `snapshot` event carry it.
// Times that tick (durations, waits) are sent as start instants, so the screen counts them
// itself and the server only pushes when something really changed.

export interface AgentCounts {
  available: number;
  busy: number; // ringing or on a call
  paused: number;
  logged_out: number;
  unavailable: number; // logged in, but the phone is not reachable
}

export interface QueueToday {
  // null while the report engine has nothing for today ("—" on the screen)
  answered: number | null;
  abandoned: number | null;
  service_level: number | null; // fraction 0..1
}

export interface WallboardQueue {
  number: string;
  name: string;
  waiting: number;
  longest_waiting_since: string | null; // ISO; the longest waiting caller joined the queue then
  longest_wait_seconds: number | null; // the same, as seconds at generated_at
  agents: AgentCounts;
  today: QueueToday;
}

export type CallState = 'ringing' | 'waiting' | 'talking' | 'in_progress';

export interface WallboardCall {
  id: string; // the caller channel's unique id
  caller: string; // number, else name, else the channel's endpoint
  callee: string | null; // who it is connected to, or the number it dialled
  queue: string | null; // the queue it is in (waiting or answered from)
  state: CallState;
  started_at: string; // ISO
  duration_seconds: number; // at generated_at
}

// A spend-guard alert of the last 24 hours (toll-guard): shown until it is a day old.
export interface WallboardAlert {
  id: number;
  text: string;
  at: string; // ISO
}

export interface WallboardSnapshot {
  generated_at: string;
  asterisk: 'ok' | 'unreachable';
  today_from: string; // ISO: local midnight in the report time zone
  timezone: string;
  queues: WallboardQueue[];
  calls: WallboardCall[];
  alerts: WallboardAlert[];
}
