import type { Knex } from 'knex';
import {
  effectiveCron,
  MAX_ATTEMPTS,
  type ReportScheduleInput,
  type ScheduleFields,
  type ScheduleView,
  type SendStatus,
  type SendView,
} from './schema';

// Tables report_schedules and report_sends.
export interface ScheduleRow extends ScheduleFields {
  recipients: string | string[];
  enabled: number | boolean;
  last_run_at: Date | null;
  created_at: Date;
}

export interface SendRow {
  id: number;
  schedule_id: number;
  period_from: Date;
  period_to: Date;
  status: SendStatus;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date;
  sent_at: Date | null;
  message_id: string | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function scheduleView(r: ScheduleRow): ScheduleView {
  const recipients = typeof r.recipients === 'string' ? (JSON.parse(r.recipients) as string[]) : r.recipients;
  const base = {
    frequency: r.frequency,
    cron_expression: r.cron_expression,
    time_of_day: r.time_of_day,
    weekday: r.weekday,
    day_of_month: r.day_of_month,
  };
  return {
    id: r.id,
    template_id: r.template_id,
    template_name: r.template_name,
    ...base,
    timezone: r.timezone,
    recipients,
    enabled: Boolean(r.enabled),
    effective_cron: effectiveCron(base),
    last_run_at: iso(r.last_run_at),
    created_at: r.created_at.toISOString(),
  };
}

export function sendView(r: SendRow): SendView {
  return {
    id: r.id,
    schedule_id: r.schedule_id,
    period_from: r.period_from.toISOString(),
    period_to: r.period_to.toISOString(),
    status: r.status,
    attempts: r.attempts,
    last_error: r.last_error,
    next_attempt_at:
      r.status === 'failed' && r.attempts < MAX_ATTEMPTS ? r.next_attempt_at.toISOString() : null,
    sent_at: iso(r.sent_at),
    message_id: r.message_id,
  };
}

const base = (db: Knex) =>
  db('report_schedules as s')
    .join('report_templates as t', 't.id', 's.template_id')
    .select('s.*', 't.name as template_name')
    .orderBy('s.id');

export async function list(db: Knex, opts: { enabledOnly?: boolean } = {}): Promise<ScheduleView[]> {
  const q = base(db);
  if (opts.enabledOnly) q.where('s.enabled', true);
  return ((await q) as ScheduleRow[]).map(scheduleView);
}

export async function get(db: Knex, id: number): Promise<ScheduleView | undefined> {
  const row = (await base(db).where('s.id', id).first()) as ScheduleRow | undefined;
  return row ? scheduleView(row) : undefined;
}

const columns = (s: ReportScheduleInput, timezone: string) => ({
  template_id: s.template_id,
  frequency: s.frequency,
  cron_expression: s.frequency === 'cron' ? (s.cron_expression ?? '').trim() : null,
  time_of_day: s.time_of_day,
  weekday: s.weekday,
  day_of_month: s.day_of_month,
  timezone,
  recipients: JSON.stringify(s.recipients),
  enabled: s.enabled,
});

export async function insert(db: Knex, s: ReportScheduleInput, timezone: string): Promise<number> {
  const [id] = (await db('report_schedules').insert(columns(s, timezone))) as [number];
  return id;
}

export async function update(
  db: Knex,
  id: number,
  s: ReportScheduleInput,
  timezone: string,
): Promise<number> {
  return db('report_schedules')
    .where({ id })
    .update({ ...columns(s, timezone), updated_at: db.fn.now(3) });
}

export async function remove(db: Knex, id: number): Promise<number> {
  return db('report_schedules').where({ id }).delete();
}

export async function markRun(db: Knex, id: number, at: Date): Promise<void> {
  await db('report_schedules').where({ id }).update({ last_run_at: at });
}

// The once-per-period claim: a second record of the same (schedule, period) is a no-op.
export async function recordSend(
  db: Knex,
  scheduleId: number,
  period: { from: Date; to: Date },
  now: Date,
): Promise<SendRow> {
  await db('report_sends')
    .insert({
      schedule_id: scheduleId,
      period_from: period.from,
      period_to: period.to,
      status: 'pending',
      next_attempt_at: now,
    })
    .onConflict(['schedule_id', 'period_from'])
    .ignore();
  return (await db('report_sends')
    .where({ schedule_id: scheduleId, period_from: period.from })
    .first()) as SendRow;
}

export async function getSend(db: Knex, id: number): Promise<SendRow | undefined> {
  return (await db('report_sends').where({ id }).first()) as SendRow | undefined;
}

export async function sends(db: Knex, scheduleId: number, limit = 100): Promise<SendRow[]> {
  return (await db('report_sends')
    .where({ schedule_id: scheduleId })
    .orderBy('period_from', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)) as SendRow[];
}

// pending/failed → sending for exactly one caller: a concurrent claim of the same row gets 0.
// `force` (send now) ignores the backoff but never the attempt limit nor a sent row.
export async function claim(db: Knex, id: number, now: Date, force = false): Promise<boolean> {
  const q = db('report_sends')
    .where({ id })
    .whereIn('status', ['pending', 'failed'])
    .andWhere('attempts', '<', MAX_ATTEMPTS);
  if (!force) q.andWhere('next_attempt_at', '<=', now);
  const n = await q.update({ status: 'sending', sending_since: now, attempts: db.raw('attempts + 1') });
  return n === 1;
}

export async function markSent(db: Knex, id: number, messageId: string, at: Date): Promise<void> {
  await db('report_sends')
    .where({ id, status: 'sending' })
    .update({ status: 'sent', sent_at: at, sending_since: null, last_error: null, message_id: messageId });
}

export async function markFailed(db: Knex, id: number, error: string, nextAttemptAt: Date): Promise<void> {
  await db('report_sends')
    .where({ id, status: 'sending' })
    .update({
      status: 'failed',
      sending_since: null,
      last_error: error.slice(0, 500),
      next_attempt_at: nextAttemptAt,
    });
}

export async function dueSends(db: Knex, now: Date, limit = 20): Promise<SendRow[]> {
  return (await db('report_sends')
    .whereIn('status', ['pending', 'failed'])
    .andWhere('attempts', '<', MAX_ATTEMPTS)
    .andWhere('next_attempt_at', '<=', now)
    .orderBy('next_attempt_at')
    .limit(limit)) as SendRow[];
}

// A claim older than staleMs is a send that crashed mid-way: it becomes a failed attempt, due now.
export async function releaseStale(db: Knex, now: Date, staleMs: number): Promise<number> {
  return db('report_sends')
    .where({ status: 'sending' })
    .andWhere('sending_since', '<', new Date(now.getTime() - staleMs))
    .update({
      status: 'failed',
      sending_since: null,
      last_error: 'the previous attempt did not finish (crash or timeout)',
      next_attempt_at: now,
    });
}
