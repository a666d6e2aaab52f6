import type { Knex } from 'knex';
import type { AgentActivityRow, ReportQuery, ReportResult } from './types';

export interface ReportSettings {
  timezone: string;
}

// Runs a report from the rollups.
export async function runReport(
  _db: Knex,
  query: ReportQuery,
  settings: ReportSettings,
): Promise<ReportResult> {
  return {
    query: {
      from: query.from.toISOString(),
      to: query.to.toISOString(),
      groupBy: query.groupBy,
      kpis: query.kpis,
      timezone: query.timezone ?? settings.timezone,
      filters: {},
    },
    rows: [],
    totals: {},
  };
}

export async function agentActivity(
  _db: Knex,
  _query: Pick<ReportQuery, 'from' | 'to' | 'agents' | 'queues' | 'departmentId'>,
): Promise<AgentActivityRow[]> {
  return [];
}
