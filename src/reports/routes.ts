import type { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps';
import { ADMIN_SUPERVISOR, apiRouter } from '../http/api';
import { ValidationError } from '../http/errors';
import { DIRECTIONS } from '../journeys';
import { toCsv } from './csv';
import { isTimezone, parseReportTime } from './periods';
import { agentActivity, runReport } from './service';
import { GROUPINGS, KPIS, type Kpi, type ReportQuery } from './types';

// A repeated parameter (?queue=1&queue=2) and a comma list (?queue=1,2) mean the same.
const list = (item: z.ZodString, what: string) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) =>
      (Array.isArray(v) ? v : [v])
        .flatMap((s) => s.split(','))
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item).min(1, `must name at least one ${what}`).max(200, `at most 200 ${what}s`))
    .optional();

const Number_ = z.string().regex(/^[0-9]{1,20}$/, 'must be digits only');
const Did = z
  .string()
  .regex(/^\+?[0-9]{1,32}$/, 'must be a phone number: digits, optionally starting with +');
// A parameter given twice arrives as an array.
const text = (max: number, message: string) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be given once') })
    .max(max, message);

const Common = {
  from: text(40, 'must be a date'),
  to: text(40, 'must be a date'),
  tz: text(64, 'must be an IANA timezone such as Europe/Paris')
    .refine(isTimezone, 'must be an IANA timezone such as Europe/Paris')
    .optional(),
  format: z.enum(['json', 'csv'], { error: () => 'must be json or csv' }).default('json'),
  queue: list(Number_, 'queue'),
  agent: list(Number_, 'agent'),
  department: z
    .string()
    .regex(/^[1-9][0-9]{0,9}$/, 'must be a department id')
    .transform(Number)
    .optional(),
};

const CallsQuery = z.strictObject({
  ...Common,
  group_by: z.enum(GROUPINGS, { error: () => `must be one of ${GROUPINGS.join(', ')}` }).default('none'),
  kpis: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(z.enum(KPIS, { error: () => `each must be one of ${KPIS.join(', ')}` }))
        .min(1, 'must name at least one KPI'),
    )
    .optional(),
  direction: z.enum(DIRECTIONS, { error: () => `must be one of ${DIRECTIONS.join(', ')}` }).optional(),
  extension: list(Number_, 'extension'),
  did: list(Did, 'did'),
});

const ActivityQuery = z.strictObject(Common);

function window(from: string, to: string, tz: string): { from: Date; to: Date } {
  const f = parseReportTime(from, tz);
  const t = parseReportTime(to, tz);
  const problems = [];
  if (!f)
    problems.push({
      path: 'from',
      message: 'must be a date (2026-12-01), a local time (2026-12-01T08:00) or an ISO instant',
    });
  if (!t)
    problems.push({
      path: 'to',
      message: 'must be a date (2026-12-01), a local time (2026-12-01T08:00) or an ISO instant',
    });
  if (!f || !t) throw new ValidationError(problems);
  return { from: f, to: t };
}

const stamp = (d: Date) => d.toISOString().slice(0, 16).replace(/[-:]/g, '');

// Report API (/api/v1/reports): KPIs from the rollups, JSON or CSV; agent activity.
export function reportRoutes(deps: Deps): Router {
  const api = apiRouter(deps, '/api/v1/reports');
  const defaultTz = deps.config.analytics.reportTimezone;

  api.op(
    {
      method: 'get',
      path: '/calls',
      summary:
        'Call KPIs (docs/analytics.md) from the 15-minute rollups: from, to (dates or times in tz, or ISO instants; to exclusive, at most 400 days), group_by, kpis, filters direction/queue/agent/extension/department/did, tz, format=csv',
      roles: ADMIN_SUPERVISOR,
      query: CallsQuery,
    },
    async ({ query, res }) => {
      const tz = query.tz ?? defaultTz;
      const q: ReportQuery = {
        ...window(query.from, query.to, tz),
        groupBy: query.group_by,
        kpis: (query.kpis ?? [...KPIS]) as Kpi[],
        timezone: tz,
        ...(query.direction ? { direction: query.direction } : {}),
        ...(query.queue ? { queues: query.queue } : {}),
        ...(query.agent ? { agents: query.agent } : {}),
        ...(query.extension ? { extensions: query.extension } : {}),
        ...(query.did ? { dids: query.did } : {}),
        ...(query.department !== undefined ? { departmentId: query.department } : {}),
      };
      const result = await runReport(deps.db, q, { timezone: defaultTz });
      if (query.format !== 'csv') return result;
      const body = toCsv(
        ['key', 'label', ...result.query.kpis],
        [
          ...result.rows.map((r) => [r.key, r.label, ...result.query.kpis.map((k) => r.values[k] ?? null)]),
          ['total', 'Total', ...result.query.kpis.map((k) => result.totals[k] ?? null)],
        ],
      );
      res
        .status(200)
        .type('text/csv; charset=utf-8')
        .attachment(`calls-${query.group_by}-${stamp(q.from)}-${stamp(q.to)}.csv`)
        .send(body);
      return undefined;
    },
  );

  api.op(
    {
      method: 'get',
      path: '/agent-activity',
      summary:
        'Queue agent activity per agent (login, pause, talk, wrap-up seconds, calls answered, occupancy) from the rollups: from, to, queue, agent, department, tz, format=csv',
      roles: ADMIN_SUPERVISOR,
      query: ActivityQuery,
    },
    async ({ query, res }) => {
      const tz = query.tz ?? defaultTz;
      const w = window(query.from, query.to, tz);
      const items = await agentActivity(deps.db, {
        ...w,
        ...(query.queue ? { queues: query.queue } : {}),
        ...(query.agent ? { agents: query.agent } : {}),
        ...(query.department !== undefined ? { departmentId: query.department } : {}),
      });
      if (query.format !== 'csv')
        return { from: w.from.toISOString(), to: w.to.toISOString(), timezone: tz, items };
      const body = toCsv(
        [
          'agent',
          'login_seconds',
          'pause_seconds',
          'talk_seconds',
          'wrapup_seconds',
          'calls_answered',
          'occupancy',
        ],
        items.map((i) => [
          i.agent,
          i.loginSeconds,
          i.pauseSeconds,
          i.talkSeconds,
          i.wrapupSeconds,
          i.callsAnswered,
          i.occupancy,
        ]),
      );
      res
        .status(200)
        .type('text/csv; charset=utf-8')
        .attachment(`agent-activity-${stamp(w.from)}-${stamp(w.to)}.csv`)
        .send(body);
      return undefined;
    },
  );
  return api.router;
}
