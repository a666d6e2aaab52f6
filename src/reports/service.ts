import type { Knex } from 'knex';
import { BUCKET_MS, bucketOf, DAY_MS } from '../analytics';
import { ValidationError } from '../http/errors';
import { hourOfWeek, isTimeGrouping, isTimezone, periodOf } from './periods';
import {
  type AgentActivityRow,
  COUNT_KPIS,
  type Grouping,
  type Kpi,
  type ReportQuery,
  type ReportResult,
  type ReportRow,
} from './types';

export interface ReportSettings {
  timezone: string;
}

// The longest span one report may cover: a year and a bit, so "this year vs last" fits.
export const MAX_REPORT_DAYS = 400;

type Dim = 'all' | 'queue' | 'agent' | 'extension' | 'did' | 'department';

// The counters of call_rollups summed over a group: every KPI is a function of these.
export interface Sums {
  offered: number;
  answered: number;
  abandoned: number;
  short_abandoned: number;
  missed: number;
  voicemail: number;
  callback: number;
  answered_in_sl: number;
  wait_answered_sum: number;
  wait_max: number;
  talk_sum: number;
}

const SUM_COLUMNS = [...COUNT_KPIS, 'answered_in_sl', 'wait_answered_sum', 'talk_sum'] as const;

const emptySums = (): Sums => ({
  offered: 0,
  answered: 0,
  abandoned: 0,
  short_abandoned: 0,
  missed: 0,
  voicemail: 0,
  callback: 0,
  answered_in_sl: 0,
  wait_answered_sum: 0,
  wait_max: 0,
  talk_sum: 0,
});

function addSums(into: Sums, s: Sums): void {
  for (const c of SUM_COLUMNS) into[c] += s[c];
  into.wait_max = Math.max(into.wait_max, s.wait_max);
}

const ratio = (num: number, den: number, digits: number): number | null =>
  den > 0 ? round(num / den, digits) : null;
const round = (n: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

// docs/analytics.md defines each of these; "eligible" calls exclude short abandons.
export function kpiValue(kpi: Kpi, s: Sums): number | null {
  const eligible = s.offered - s.short_abandoned;
  switch (kpi) {
    case 'offered':
    case 'answered':
    case 'abandoned':
    case 'short_abandoned':
    case 'missed':
    case 'voicemail':
    case 'callback':
      return s[kpi];
    case 'answer_rate':
      return ratio(s.answered, eligible, 4);
    case 'abandon_rate':
      return ratio(s.abandoned - s.short_abandoned, eligible, 4);
    case 'asa_seconds':
      return ratio(s.wait_answered_sum, s.answered, 1);
    case 'aht_seconds':
      return ratio(s.talk_sum, s.answered, 1);
    case 'service_level':
      return ratio(s.answered_in_sl, eligible, 4);
    case 'longest_wait_seconds':
      return s.offered > 0 ? round(s.wait_max, 3) : null;
    case 'talk_seconds':
      return round(s.talk_sum, 3);
  }
}

const values = (kpis: readonly Kpi[], s: Sums) =>
  Object.fromEntries(kpis.map((k) => [k, kpiValue(k, s)])) as Partial<Record<Kpi, number | null>>;

const DIM_OF_GROUPING: Partial<Record<Grouping, Dim>> = {
  queue: 'queue',
  agent: 'agent',
  extension: 'extension',
  did: 'did',
};

// Which slice of call_rollups answers the query, and the dim_values it is restricted to.
// A rollup row knows one dimension, so two different ones cannot be combined (queue 600 AND
// agent 1001): that is refused by name rather than answered wrongly.
async function chooseSlice(db: Knex, q: ReportQuery): Promise<{ dim: Dim; values?: string[] }> {
  const wanted: Array<{ dim: Dim; field: string; values?: string[] }> = [];
  const byGroup = DIM_OF_GROUPING[q.groupBy];
  if (byGroup) wanted.push({ dim: byGroup, field: 'group_by' });
  if (q.queues?.length) wanted.push({ dim: 'queue', field: 'queue', values: q.queues });
  if (q.agents?.length) wanted.push({ dim: 'agent', field: 'agent', values: q.agents });
  if (q.extensions?.length) wanted.push({ dim: 'extension', field: 'extension', values: q.extensions });
  if (q.dids?.length) wanted.push({ dim: 'did', field: 'did', values: q.dids });
  if (q.departmentId !== undefined) {
    if (!(await db('departments').where({ id: q.departmentId }).first('id')))
      throw new ValidationError([{ path: 'department', message: 'no such department' }]);
    // Grouped by person, a department is the list of its people; otherwise its own rollup
    // (a call that rang three of its members counts once).
    if (byGroup === 'extension' || byGroup === 'agent') {
      const members = (await db('department_extensions')
        .where({ department_id: q.departmentId })
        .pluck('extension')) as string[];
      wanted.push({ dim: byGroup, field: 'department', values: members });
    } else {
      wanted.push({ dim: 'department', field: 'department', values: [String(q.departmentId)] });
    }
  }
  if (wanted.length === 0) return { dim: 'all' };
  const first = wanted[0] as (typeof wanted)[number];
  let allowed: string[] | undefined;
  for (const w of wanted) {
    if (w.dim !== first.dim) {
      throw new ValidationError(
        [
          {
            path: w.field,
            message: `cannot be combined with ${first.field}: reports slice calls by one of queue, agent, extension, department or did`,
          },
        ],
        'the report filters are not valid',
      );
    }
    if (w.values) allowed = allowed ? allowed.filter((v) => w.values?.includes(v)) : [...w.values];
  }
  return { dim: first.dim, ...(allowed ? { values: allowed } : {}) };
}

function validate(q: ReportQuery, timezone: string): void {
  const problems: Array<{ path: string; message: string }> = [];
  if (Number.isNaN(q.from.getTime())) problems.push({ path: 'from', message: 'must be a date' });
  if (Number.isNaN(q.to.getTime())) problems.push({ path: 'to', message: 'must be a date' });
  else if (q.to <= q.from) problems.push({ path: 'to', message: 'must be after from' });
  else if (q.to.getTime() - q.from.getTime() > MAX_REPORT_DAYS * 86_400_000)
    problems.push({ path: 'to', message: `must be at most ${MAX_REPORT_DAYS} days after from` });
  if (!isTimezone(timezone))
    problems.push({ path: 'tz', message: 'must be an IANA timezone such as Europe/Paris' });
  if (problems.length) throw new ValidationError(problems);
}

const bucketCeil = (t: Date) => new Date(Math.ceil(t.getTime() / BUCKET_MS) * BUCKET_MS);

interface Segment {
  table: 'call_rollups' | 'call_rollups_daily';
  column: 'bucket_start' | 'day_start';
  from: Date;
  to: Date;
}

// A report not grouped by time reads whole UTC days from the daily rollup and only the ragged
// ends (a day starting at local midnight in Paris) from the 15-minute one: same sums, ~1/96
// of the rows.
function segments(from: Date, to: Date, byTime: boolean): Segment[] {
  const quarter = (f: Date, t: Date): Segment => ({
    table: 'call_rollups',
    column: 'bucket_start',
    from: f,
    to: t,
  });
  if (byTime) return [quarter(from, to)];
  const dayFrom = new Date(Math.ceil(from.getTime() / DAY_MS) * DAY_MS);
  const dayTo = new Date(Math.floor(to.getTime() / DAY_MS) * DAY_MS);
  if (dayFrom >= dayTo) return [quarter(from, to)];
  const out: Segment[] = [];
  if (from < dayFrom) out.push(quarter(from, dayFrom));
  out.push({ table: 'call_rollups_daily', column: 'day_start', from: dayFrom, to: dayTo });
  if (dayTo < to) out.push(quarter(dayTo, to));
  return out;
}

interface GroupedRow extends Sums {
  k: string | Date;
}

// Runs a report from the rollups.
export async function runReport(
  db: Knex,
  asked: ReportQuery,
  settings: ReportSettings,
): Promise<ReportResult> {
  const timezone = asked.timezone ?? settings.timezone;
  validate(asked, timezone);
  // Rollups know whole buckets: the window widens to the buckets it touches.
  const query = { ...asked, from: bucketOf(asked.from), to: bucketCeil(asked.to) };
  const slice = await chooseSlice(db, query);
  const time = isTimeGrouping(query.groupBy);
  const keyColumn = time
    ? 'bucket_start'
    : query.groupBy === 'direction'
      ? 'direction'
      : query.groupBy === 'none'
        ? "''"
        : 'dim_value';

  const rows: GroupedRow[] = [];
  if (!slice.values || slice.values.length > 0) {
    for (const seg of segments(query.from, query.to, time)) {
      const where = ['dim = ?', `${seg.column} >= ?`, `${seg.column} < ?`];
      const bindings: Knex.RawBinding[] = [slice.dim, seg.from, seg.to];
      if (slice.values) {
        where.push(`dim_value IN (${slice.values.map(() => '?').join(', ')})`);
        bindings.push(...slice.values);
      }
      if (query.direction) {
        where.push('direction = ?');
        bindings.push(query.direction);
      }
      const [result] = (await db.raw(
        `SELECT ${keyColumn} AS k, ${SUM_COLUMNS.map((c) => `SUM(${c}) AS ${c}`).join(', ')}, MAX(wait_max) AS wait_max
         FROM ${seg.table} WHERE ${where.join(' AND ')} GROUP BY k`,
        bindings,
      )) as [Array<Record<string, string | number | Date>>];
      for (const r of result) {
        const sums = emptySums();
        for (const c of [...SUM_COLUMNS, 'wait_max'] as const) sums[c] = Number(r[c] ?? 0);
        rows.push({ ...sums, k: r['k'] as string | Date });
      }
    }
  }

  // Fold into the output groups: periods in the report's time zone, or the SQL groups as they are.
  const groups = new Map<string, { key: string; label: string; sort: number | string; sums: Sums }>();
  if (query.groupBy === 'hour_of_week') {
    for (let d = 0; d < 7; d++)
      for (let h = 0; h < 24; h++) {
        const p = hourOfWeek(d, h);
        groups.set(p.key, { ...p, sums: emptySums() });
      }
  }
  const totals = emptySums();
  for (const r of rows) {
    addSums(totals, r);
    const p =
      time && r.k instanceof Date
        ? periodOf(r.k, query.groupBy as Parameters<typeof periodOf>[1], timezone)
        : { key: String(r.k), label: String(r.k), sort: String(r.k) };
    let g = groups.get(p.key);
    if (!g) {
      g = { ...p, sums: emptySums() };
      groups.set(p.key, g);
    }
    addSums(g.sums, r);
  }
  const labels = await labelsFor(db, query.groupBy, [...groups.keys()]);
  const ordered = [...groups.values()].sort((a, b) =>
    typeof a.sort === 'number' && typeof b.sort === 'number'
      ? a.sort - b.sort
      : String(a.sort).localeCompare(String(b.sort), 'en', { numeric: true }),
  );
  const out: ReportRow[] = ordered.map((g) => ({
    key: g.key,
    label: labels.get(g.key) ?? (query.groupBy === 'none' ? 'All calls' : g.label),
    values: values(query.kpis, g.sums),
  }));
  if (query.groupBy === 'none' && out.length === 0)
    out.push({ key: '', label: 'All calls', values: values(query.kpis, totals) });

  return {
    query: {
      from: query.from.toISOString(),
      to: query.to.toISOString(),
      groupBy: query.groupBy,
      kpis: query.kpis,
      timezone,
      filters: filtersOf(query),
    },
    rows: out,
    totals: values(query.kpis, totals),
  };
}

function filtersOf(q: ReportQuery): Record<string, string | string[] | number> {
  const f: Record<string, string | string[] | number> = {};
  if (q.direction) f['direction'] = q.direction;
  if (q.queues?.length) f['queue'] = q.queues;
  if (q.agents?.length) f['agent'] = q.agents;
  if (q.extensions?.length) f['extension'] = q.extensions;
  if (q.departmentId !== undefined) f['department'] = q.departmentId;
  if (q.dids?.length) f['did'] = q.dids;
  return f;
}

// "600 Support" rather than "600"; people by their display names.
async function labelsFor(db: Knex, grouping: Grouping, keys: string[]): Promise<Map<string, string>> {
  const labels = new Map<string, string>();
  if (keys.length === 0) return labels;
  if (grouping === 'queue') {
    const rows = (await db('queues').whereIn('number', keys).select('number', 'name')) as Array<{
      number: string;
      name: string;
    }>;
    for (const r of rows) labels.set(r.number, `${r.number} ${r.name}`);
  } else if (grouping === 'agent' || grouping === 'extension') {
    const rows = (await db('extensions').whereIn('number', keys).select('number', 'display_name')) as Array<{
      number: string;
      display_name: string;
    }>;
    for (const r of rows) labels.set(r.number, r.display_name ? `${r.number} ${r.display_name}` : r.number);
  }
  return labels;
}

export async function agentActivity(
  db: Knex,
  query: Pick<ReportQuery, 'from' | 'to' | 'agents' | 'queues' | 'departmentId'>,
): Promise<AgentActivityRow[]> {
  validate({ ...query, groupBy: 'none', kpis: [] }, 'UTC');
  const q = db('agent_rollups')
    .where('bucket_start', '>=', query.from)
    .andWhere('bucket_start', '<', query.to)
    .groupBy('agent')
    .orderBy('agent')
    .select('agent')
    .sum({ login: 'login_s', pause: 'pause_s', talk: 'talk_s', wrapup: 'wrapup_s', calls: 'calls_answered' });
  if (query.agents?.length) q.whereIn('agent', query.agents);
  if (query.queues?.length) q.whereIn('queue', query.queues);
  if (query.departmentId !== undefined)
    q.whereIn(
      'agent',
      db('department_extensions').where({ department_id: query.departmentId }).select('extension'),
    );
  const rows = (await q) as Array<Record<string, string | number>>;
  return rows.map((r) => {
    const login = Number(r['login']);
    const pause = Number(r['pause']);
    const talk = Number(r['talk']);
    const available = login - pause;
    return {
      agent: String(r['agent']),
      loginSeconds: round(login, 3),
      pauseSeconds: round(pause, 3),
      talkSeconds: round(talk, 3),
      wrapupSeconds: round(Number(r['wrapup']), 3),
      callsAnswered: Number(r['calls']),
      occupancy: available > 0 ? round(Math.min(1, talk / available), 4) : null,
    };
  });
}
