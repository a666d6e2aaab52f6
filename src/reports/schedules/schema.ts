import cron from 'node-cron';
import { z } from 'zod';
import { isTimezone } from '../templates/ranges';

export const FREQUENCIES = ['daily', 'weekly', 'monthly', 'cron'] as const;
export type Frequency = (typeof FREQUENCIES)[number];
export const SEND_STATUSES = ['pending', 'sending', 'sent', 'failed'] as const;
export type SendStatus = (typeof SEND_STATUSES)[number];
export const MAX_ATTEMPTS = 10;

// A line break in an address would become a new header line in the email.
export const Recipient = z
  .string()
  .max(254)
  .refine((s) => !/[\p{Cc}]/u.test(s), 'must not contain a line break or control character')
  .pipe(z.email('must be an email address'));

// Five fields (minute hour day-of-month month day-of-week), read in the schedule's timezone.
export function cronProblem(s: string): string | null {
  if (!/^[0-9A-Za-z*/,\- ]+$/.test(s)) return 'only digits, names, spaces and * / , - are allowed';
  if (s.trim().split(/\s+/).length !== 5) return 'must have five fields: minute hour day month weekday';
  return cron.validate(s.trim()) ? null : 'is not a valid cron expression';
}

// Five fields (minute hour day-of-month month day-of-week), read in the schedule's timezone.
export const CronExpression = z
  .string()
  .max(120)
  .superRefine((s, ctx) => {
    const problem = cronProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const Timezone = z
  .string()
  .max(64)
  .refine(isTimezone, 'must be an IANA timezone such as Europe/Paris');

export const ReportSchedule = z
  .strictObject({
    template_id: z.number().int().min(1).max(2_147_483_647),
    frequency: z.enum(FREQUENCIES),
    cron_expression: CronExpression.nullable().optional(),
    time_of_day: z
      .string()
      .regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, 'must be HH:MM, 24-hour')
      .default('06:00'),
    weekday: z.number().int().min(0).max(6).default(1),
    day_of_month: z.number().int().min(1).max(28).default(1),
    timezone: Timezone.optional(),
    recipients: z
      .array(Recipient)
      .min(1, 'at least one recipient')
      .max(20)
      .refine(
        (l) => new Set(l.map((r) => String(r).toLowerCase())).size === l.length,
        'a recipient is listed twice',
      ),
    enabled: z.boolean().default(true),
  })
  .superRefine((s, ctx) => {
    if (s.frequency === 'cron' && !s.cron_expression)
      ctx.addIssue({ code: 'custom', path: ['cron_expression'], message: 'required when frequency is cron' });
    if (s.frequency !== 'cron' && s.cron_expression)
      ctx.addIssue({ code: 'custom', path: ['cron_expression'], message: 'only for frequency cron' });
  });
export type ReportScheduleInput = z.infer<typeof ReportSchedule>;

// A schedule as the table holds it and as the API shows it, but for recipients, flag and times.
export interface ScheduleFields {
  id: number;
  template_id: number;
  template_name: string;
  frequency: Frequency;
  cron_expression: string | null;
  time_of_day: string;
  weekday: number;
  day_of_month: number;
  timezone: string;
}

export interface ScheduleView extends ScheduleFields {
  recipients: string[];
  enabled: boolean;
  effective_cron: string;
  last_run_at: string | null;
  created_at: string;
}

export interface SendView {
  id: number;
  schedule_id: number;
  period_from: string;
  period_to: string;
  status: SendStatus;
  attempts: number;
  last_error: string | null;
  next_attempt_at: string | null;
  sent_at: string | null;
  message_id: string | null;
}

// The schedule as one cron expression: what node-cron runs and what runDue() matches.
export function effectiveCron(s: {
  frequency: Frequency;
  cron_expression?: string | null | undefined;
  time_of_day: string;
  weekday: number;
  day_of_month: number;
}): string {
  const [hh, mm] = s.time_of_day.split(':').map(Number);
  switch (s.frequency) {
    case 'daily':
      return `${mm} ${hh} * * *`;
    case 'weekly':
      return `${mm} ${hh} * * ${s.weekday}`;
    case 'monthly':
      return `${mm} ${hh} ${s.day_of_month} * *`;
    case 'cron':
      return (s.cron_expression ?? '').trim();
  }
}
