import type { Knex } from 'knex';
import cron, { type ScheduledTask } from 'node-cron';
import type { Deps } from '../../deps';
import { getSmtp } from '../../voicemail';
import { localParts, type Period, presetPeriod, type RangePreset, zonedTime } from '../templates/ranges';
import { getTemplate, runTemplate } from '../templates/service';
import { reportMessageId, sendReportEmail } from './email';
import * as repo from './repo';
import { MAX_ATTEMPTS, type ScheduleView, type SendView } from './schema';

// Sends scheduled reports (report_schedules) by node-cron, each in its own timezone, and
// retries failed sends from the send log.

const MINUTE = 60_000;
// A fire that was missed (the app was down) is caught up within this window, no further.
const CATCH_UP_MS = 40 * 24 * 60 * MINUTE;
const STALE_MS = 10 * MINUTE;
const DAY_MS = 24 * 60 * MINUTE;

export interface ReportScheduler {
  // Re-reads the enabled schedules and replaces the cron tasks.
  reload(): Promise<void>;
  // Fires every schedule whose latest fire time (≤ now, after it was created) has no send yet.
  runDue(now?: Date): Promise<SendView[]>;
  // Sends the schedule's latest complete period now, unless it was already sent.
  sendNow(scheduleId: number, now?: Date): Promise<SendView>;
  // Delivers pending and failed sends whose backoff has passed.
  retryDue(now?: Date): Promise<number>;
  stop(): Promise<void>;
}

// 1, 2, 4 … minutes after attempt 1, 2, 3 …
export function backoffMs(attempts: number): number {
  return 2 ** Math.max(0, attempts - 1) * MINUTE;
}

// The report a fire at `at` sends: the last complete day/week/month, or for a cron schedule
// the template's own range as of the fire.
export function periodFor(s: ScheduleView, at: Date, templatePreset: RangePreset): Period {
  const preset: RangePreset =
    s.frequency === 'daily'
      ? 'yesterday'
      : s.frequency === 'weekly'
        ? 'last_week'
        : s.frequency === 'monthly'
          ? 'last_month'
          : templatePreset;
  return presetPeriod(preset, at, s.timezone);
}

// The latest minute in [notBefore, now] the schedule's cron expression matches, if any. Walks
// local days backwards and only the hours and minutes the expression names, so a monthly
// schedule costs ~40 checks, not 57 600 minutes; node-cron's own matcher has the last word.
export function lastFire(s: ScheduleView, now: Date, notBefore: Date): Date | null {
  const fields = cron.parse(s.effective_cron);
  const hours = [...fields.hour].sort((a, b) => b - a);
  const minutes = [...fields.minute].sort((a, b) => b - a);
  const matcher = cron.createTask(s.effective_cron, () => {}, { timezone: s.timezone });
  try {
    const start = Math.max(notBefore.getTime(), now.getTime() - CATCH_UP_MS);
    const today = localParts(now, s.timezone);
    for (let back = 0; back <= CATCH_UP_MS / DAY_MS + 1; back++) {
      const day = localParts(
        zonedTime(today.year, today.month, today.day - back, 12, 0, s.timezone),
        s.timezone,
      );
      if (!fields.month.includes(day.month)) continue;
      for (const h of hours)
        for (const m of minutes) {
          const at = zonedTime(day.year, day.month, day.day, h, m, s.timezone).getTime();
          if (at > now.getTime()) continue;
          if (at < start) return null;
          if (matcher.match(new Date(at))) return new Date(at);
        }
      if (zonedTime(day.year, day.month, day.day, 0, 0, s.timezone).getTime() < start) return null;
    }
    return null;
  } finally {
    void matcher.destroy();
  }
}

const registry = new WeakMap<Knex, ReportScheduler>();

// The running scheduler of an app (its routes reload it; tests drive runDue/retryDue).
export function reportSchedulerFor(db: Knex): ReportScheduler | undefined {
  return registry.get(db);
}

export function createReportScheduler(deps: Pick<Deps, 'db' | 'log' | 'config'>): ReportScheduler {
  const { db, log } = deps;
  let tasks: ScheduledTask[] = [];
  let stopped = false;

  const deliver = async (sendId: number, now: Date, force = false): Promise<void> => {
    if (!(await repo.claim(db, sendId, now, force))) return;
    const send = (await repo.getSend(db, sendId)) as repo.SendRow;
    try {
      const schedule = await repo.get(db, send.schedule_id);
      if (!schedule) throw new Error('the schedule was deleted');
      const smtp = await getSmtp(db);
      if (!smtp) throw new Error('email is not set up: configure the mail server under Settings → Email');
      const template = await getTemplate(db, schedule.template_id);
      const period = { from: send.period_from, to: send.period_to };
      const { result } = await runTemplate(db, template, period, schedule.timezone);
      const department = template.filters.department_id
        ? ((await db('departments').where({ id: template.filters.department_id }).first('name')) as
            | { name: string }
            | undefined)
        : undefined;
      const messageId = reportMessageId(schedule.id, send.period_from, smtp.from_address);
      await sendReportEmail(
        smtp,
        {
          scheduleId: schedule.id,
          recipients: schedule.recipients,
          template,
          departmentName: department?.name ?? null,
          period,
          timezone: schedule.timezone,
          result,
        },
        messageId,
      );
      await repo.markSent(db, sendId, messageId, new Date());
      log.info({ schedule: schedule.id, send: sendId }, 'scheduled report sent');
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const attempts = send.attempts;
      await repo.markFailed(db, sendId, message, new Date(Date.now() + backoffMs(attempts)));
      log.warn(
        { send: sendId, attempts, err: message, final: attempts >= MAX_ATTEMPTS },
        'scheduled report failed',
      );
    }
  };

  const fire = async (s: ScheduleView, at: Date, now: Date): Promise<SendView> => {
    const template = await getTemplate(db, s.template_id);
    const send = await repo.recordSend(db, s.id, periodFor(s, at, template.range_preset), now);
    await repo.markRun(db, s.id, at);
    await deliver(send.id, now);
    return repo.sendView((await repo.getSend(db, send.id)) as repo.SendRow);
  };

  const runDue = async (now = new Date()): Promise<SendView[]> => {
    const out: SendView[] = [];
    for (const s of await repo.list(db, { enabledOnly: true })) {
      const notBefore = new Date(Math.max(new Date(s.created_at).getTime(), 0));
      const at = lastFire(s, now, notBefore);
      if (!at) continue;
      if (s.last_run_at && new Date(s.last_run_at).getTime() >= at.getTime()) continue;
      out.push(await fire(s, at, now));
    }
    return out;
  };

  const retryDue = async (now = new Date()): Promise<number> => {
    await repo.releaseStale(db, now, STALE_MS);
    const due = await repo.dueSends(db, now);
    for (const send of due) await deliver(send.id, now);
    return due.length;
  };

  const guard = (name: string, fn: () => Promise<unknown>) => async () => {
    try {
      await fn();
    } catch (err) {
      log.error({ err, job: name }, 'report scheduler job failed');
    }
  };

  const clear = async () => {
    const old = tasks;
    tasks = [];
    for (const t of old) await t.destroy();
  };

  const reload = async () => {
    if (stopped) return;
    const schedules = await repo.list(db, { enabledOnly: true });
    await clear();
    if (stopped) return;
    tasks = schedules.map((s) =>
      cron.schedule(
        s.effective_cron,
        guard(`report-schedule-${s.id}`, async () => {
          const now = new Date();
          const fresh = await repo.get(db, s.id);
          if (fresh?.enabled) await fire(fresh, new Date(Math.floor(now.getTime() / MINUTE) * MINUTE), now);
        }),
        { timezone: s.timezone, name: `report-schedule-${s.id}`, noOverlap: true },
      ),
    );
    tasks.push(
      cron.schedule(
        '* * * * *',
        guard('report-retry', async () => {
          await runDue();
          await retryDue();
        }),
        { name: 'report-retry', noOverlap: true },
      ),
    );
  };

  const scheduler: ReportScheduler = {
    reload,
    runDue,
    retryDue,
    async sendNow(scheduleId, now = new Date()) {
      const s = await repo.get(db, scheduleId);
      if (!s) throw new Error(`schedule ${scheduleId} not found`);
      const template = await getTemplate(db, s.template_id);
      const send = await repo.recordSend(db, s.id, periodFor(s, now, template.range_preset), now);
      await deliver(send.id, now, true);
      return repo.sendView((await repo.getSend(db, send.id)) as repo.SendRow);
    },
    async stop() {
      stopped = true;
      await clear();
      if (registry.get(db) === scheduler) registry.delete(db);
    },
  };
  return scheduler;
}

export function startReportScheduler(deps: Deps): { stop(): Promise<void> } {
  const scheduler = createReportScheduler(deps);
  registry.set(deps.db, scheduler);
  scheduler.reload().catch((err: unknown) => deps.log.error({ err }, 'report scheduler did not start'));
  return scheduler;
}
