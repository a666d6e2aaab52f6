import { z } from 'zod';
import type { ErrorDetail } from '../../http/errors';
import { ValidationError } from '../../http/errors';
import { KPIS, type Kpi } from '../types';
import { type Period, presetPeriod, RANGE_PRESETS, type RangePreset, zonedTime } from './ranges';
import { GroupBy, KpiList, ReportFilters, type ReportFiltersInput, type ReportTemplateInput } from './schema';

// The reports page's GET form (and the "save as template" POST) → a validated report request.
// Query strings are untrusted: every field goes through the same zod schemas as the API.

export const DEFAULT_KPIS: Kpi[] = ['offered', 'answered', 'abandoned', 'missed', 'voicemail', 'answer_rate'];

export interface ReportForm {
  preset: RangePreset | 'custom';
  fromDate: string; // YYYY-MM-DD, local to the report timezone
  toDate: string; // inclusive
  groupBy: ReportTemplateInput['group_by'];
  kpis: Kpi[];
  filters: ReportFiltersInput;
}

// A calendar date that exists: 2026-02-30 is refused, not rolled over into March.
const DateField = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date (YYYY-MM-DD)')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, 'is not a real date');

type Raw = Record<string, unknown>;
const one = (raw: Raw, key: string): string | undefined => {
  const v = raw[key];
  if (Array.isArray(v)) return typeof v[0] === 'string' ? v[0] : undefined;
  return typeof v === 'string' ? v : undefined;
};
const many = (raw: Raw, key: string): string[] => {
  const v = raw[key];
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return list.filter((s): s is string => typeof s === 'string');
};
const splitList = (s: string | undefined) =>
  (s ?? '')
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);

function check<T>(schema: z.ZodType<T>, value: unknown, path: string, errors: ErrorDetail[]): T | undefined {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  for (const issue of r.error.issues)
    errors.push({ path: [path, ...issue.path.map(String)].join('.'), message: issue.message });
  return undefined;
}

export function localDateOf(d: Date, tz: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: tz,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(d);
}

// Throws ValidationError listing every bad field (paths are the form's field names).
export function parseReportForm(
  raw: Raw,
  tz: string,
  now = new Date(),
): { form: ReportForm; period: Period } {
  const errors: ErrorDetail[] = [];
  const presetRaw = one(raw, 'range') ?? 'last_7_days';
  const preset = check(z.enum([...RANGE_PRESETS, 'custom']), presetRaw, 'range', errors);
  const groupBy = check(GroupBy, one(raw, 'group_by') ?? 'day', 'group_by', errors);
  const kpiRaw = many(raw, 'kpi');
  const kpis = check(KpiList, kpiRaw.length ? kpiRaw : DEFAULT_KPIS, 'kpi', errors);
  const direction = one(raw, 'direction') || undefined;
  const department = one(raw, 'department') || undefined;
  const filterRaw: Record<string, unknown> = {};
  if (direction) filterRaw['direction'] = direction;
  for (const key of ['queues', 'agents', 'extensions', 'dids'] as const) {
    const list = splitList(one(raw, key));
    if (list.length) filterRaw[key] = list;
  }
  if (department)
    filterRaw['department_id'] = /^[0-9]{1,10}$/.test(department) ? Number(department) : department;
  const filters = check(ReportFilters, filterRaw, 'filters', errors);

  let period: Period | undefined;
  let fromDate = one(raw, 'from') ?? '';
  let toDate = one(raw, 'to') ?? '';
  if (preset === 'custom') {
    const f = check(DateField, fromDate, 'from', errors);
    const t = check(DateField, toDate, 'to', errors);
    if (f && t) {
      const [fy, fm, fd] = f.split('-').map(Number) as [number, number, number];
      const [ty, tm, td] = t.split('-').map(Number) as [number, number, number];
      period = { from: zonedTime(fy, fm, fd, 0, 0, tz), to: zonedTime(ty, tm, td + 1, 0, 0, tz) };
      if (Number.isNaN(period.from.getTime()) || Number.isNaN(period.to.getTime()))
        errors.push({ path: 'from', message: 'not a real date' });
      else if (period.to <= period.from) errors.push({ path: 'to', message: 'must not be before from' });
      else if (period.to.getTime() - period.from.getTime() > 400 * 86_400_000)
        errors.push({ path: 'to', message: 'at most 400 days at once' });
    }
  } else if (preset) {
    period = presetPeriod(preset, now, tz);
    fromDate = localDateOf(period.from, tz);
    toDate = localDateOf(new Date(period.to.getTime() - 1), tz);
  }
  if (errors.length || !preset || !groupBy || !kpis || !filters || !period)
    throw new ValidationError(errors, 'the report form has errors');
  return { form: { preset, fromDate, toDate, groupBy, kpis, filters }, period };
}

export function formFromTemplate(t: ReportTemplateInput): Raw {
  const f = t.filters;
  return {
    range: t.range_preset,
    group_by: t.group_by,
    kpi: t.kpis,
    direction: f.direction ?? '',
    queues: (f.queues ?? []).join(', '),
    agents: (f.agents ?? []).join(', '),
    extensions: (f.extensions ?? []).join(', '),
    dids: (f.dids ?? []).join(', '),
    department: f.department_id ? String(f.department_id) : '',
  };
}

// The same request as query parameters of H2's /api/v1/reports/calls (CSV download).
export function csvHref(form: ReportForm, period: Period, tz: string): string {
  const p = new URLSearchParams({
    from: period.from.toISOString(),
    to: period.to.toISOString(),
    tz,
    group_by: form.groupBy,
    kpis: form.kpis.join(','),
    format: 'csv',
  });
  const f = form.filters;
  if (f.direction) p.set('direction', f.direction);
  if (f.queues?.length) p.set('queue', f.queues.join(','));
  if (f.agents?.length) p.set('agent', f.agents.join(','));
  if (f.extensions?.length) p.set('extension', f.extensions.join(','));
  if (f.dids?.length) p.set('did', f.dids.join(','));
  if (f.department_id) p.set('department', String(f.department_id));
  return `/api/v1/reports/calls?${p.toString()}`;
}

export const ALL_KPIS = KPIS;
