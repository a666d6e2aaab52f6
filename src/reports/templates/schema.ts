import { z } from 'zod';
import { DIRECTIONS } from '../../journeys';
import { GROUPINGS, KPIS, type ReportQuery } from '../types';
import { type Period, RANGE_PRESETS } from './ranges';

const Number_ = z.string().regex(/^[1-9][0-9]{1,9}$/, 'must be a number of 2-10 digits');
const Did = z
  .string()
  .regex(/^\+?[0-9]{2,20}$/, 'must be a phone number: digits, optionally starting with +');
const unique = <T>(list: T[]) => new Set(list).size === list.length;

export const TemplateName = z
  .string()
  .trim()
  .min(1, 'required')
  .max(80)
  .regex(/^[\p{L}\p{N} ._&()/-]+$/u, 'letters, digits, spaces and . _ & ( ) / - only');

export const ReportFilters = z.strictObject({
  direction: z.enum(DIRECTIONS).optional(),
  queues: z.array(Number_).max(50).refine(unique, 'a queue is listed twice').optional(),
  agents: z.array(Number_).max(200).refine(unique, 'an agent is listed twice').optional(),
  extensions: z.array(Number_).max(200).refine(unique, 'an extension is listed twice').optional(),
  department_id: z.number().int().min(1).max(2_147_483_647).optional(),
  dids: z.array(Did).max(50).refine(unique, 'a DID is listed twice').optional(),
});
export type ReportFiltersInput = z.infer<typeof ReportFilters>;

export const KpiList = z
  .array(z.enum(KPIS, { error: (i) => `unknown KPI ${JSON.stringify(i.input)}; one of ${KPIS.join(', ')}` }))
  .min(1, 'choose at least one KPI')
  .max(KPIS.length)
  .refine(unique, 'a KPI is listed twice');

export const GroupBy = z.enum(GROUPINGS, {
  error: (i) => `unknown grouping ${JSON.stringify(i.input)}; one of ${GROUPINGS.join(', ')}`,
});

export const ReportTemplate = z.strictObject({
  name: TemplateName,
  group_by: GroupBy,
  kpis: KpiList,
  filters: ReportFilters.default({}),
  range_preset: z.enum(RANGE_PRESETS).default('yesterday'),
});
export type ReportTemplateInput = z.infer<typeof ReportTemplate>;

export interface ReportTemplateView extends ReportTemplateInput {
  id: number;
  created_by: string;
  created_at: string;
  updated_at: string;
}

// An explicit period for a run: ISO instants (or dates, read as UTC midnight), from < to.
const Instant = z
  .string()
  .max(40)
  .regex(
    /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/,
    'must be an ISO 8601 date or instant',
  )
  // JavaScript rolls 2026-02-30 over into March; the calendar date must exist as written.
  .refine((s) => {
    const day = new Date(`${s.slice(0, 10)}T00:00:00Z`);
    return !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === s.slice(0, 10);
  }, 'is not a real date')
  .transform((s) => new Date(s))
  .refine((d) => d instanceof Date && !Number.isNaN(d.getTime()), 'is not a real date');

// zod runs object checks even when a field already failed (its value then is the raw input), so
// the period checks look only at two real dates.
export const RunQuery = z
  .strictObject({ from: Instant.optional(), to: Instant.optional() })
  .superRefine((q, ctx) => {
    if ((q.from === undefined) !== (q.to === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'give both from and to, or neither' });
      return;
    }
    if (!(q.from instanceof Date) || !(q.to instanceof Date)) return;
    if (q.from >= q.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    else if (q.to.getTime() - q.from.getTime() > 400 * 86_400_000)
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'at most 400 days after from' });
  });

export function templateQuery(
  t: Pick<ReportTemplateInput, 'group_by' | 'kpis' | 'filters'>,
  period: Period,
  timezone: string,
): ReportQuery {
  const f = t.filters;
  return {
    from: period.from,
    to: period.to,
    groupBy: t.group_by,
    kpis: t.kpis,
    timezone,
    ...(f.direction ? { direction: f.direction } : {}),
    ...(f.queues?.length ? { queues: f.queues } : {}),
    ...(f.agents?.length ? { agents: f.agents } : {}),
    ...(f.extensions?.length ? { extensions: f.extensions } : {}),
    ...(f.department_id ? { departmentId: f.department_id } : {}),
    ...(f.dids?.length ? { dids: f.dids } : {}),
  };
}
