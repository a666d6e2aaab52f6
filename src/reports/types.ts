import type { Direction } from '../journeys';

// The figures a report can show. Every formula is defined in docs/analytics.md; reports read
// them from the 15-minute rollups (call_rollups, agent_rollups), never from raw rows.
// The counts among them: also the columns the rollups sum.
export const COUNT_KPIS = [
  'offered',
  'answered',
  'abandoned',
  'short_abandoned',
  'missed',
  'voicemail',
  'callback',
] as const;

export const KPIS = [
  ...COUNT_KPIS,
  'answer_rate',
  'abandon_rate',
  'asa_seconds',
  'aht_seconds',
  'service_level',
  'longest_wait_seconds',
  'talk_seconds',
] as const;
export type Kpi = (typeof KPIS)[number];

export const GROUPINGS = [
  'none',
  'hour',
  'day',
  'week',
  'month',
  'hour_of_week',
  'direction',
  'queue',
  'agent',
  'extension',
  'did',
] as const;
export type Grouping = (typeof GROUPINGS)[number];

export interface ReportQuery {
  from: Date; // inclusive, aligned down to a 15-minute bucket
  to: Date; // exclusive
  groupBy: Grouping;
  kpis: Kpi[];
  direction?: Direction;
  queues?: string[];
  agents?: string[];
  extensions?: string[];
  departmentId?: number;
  dids?: string[];
  timezone?: string; // IANA; default the configured REPORT_TIMEZONE
}

export interface ReportRow {
  key: string; // machine key: ISO start of the period, "3-14" (Wednesday 14:00) for hour_of_week, a queue number…
  label: string; // what a person reads
  values: Partial<Record<Kpi, number | null>>;
}

export interface ReportResult {
  query: {
    from: string;
    to: string;
    groupBy: Grouping;
    kpis: Kpi[];
    timezone: string;
    filters: Record<string, string | string[] | number>;
  };
  rows: ReportRow[];
  totals: Partial<Record<Kpi, number | null>>;
}

export interface AgentActivityRow {
  agent: string; // extension number
  loginSeconds: number;
  pauseSeconds: number;
  talkSeconds: number;
  wrapupSeconds: number;
  callsAnswered: number;
  occupancy: number | null; // talk / (login - pause), 0..1
}
