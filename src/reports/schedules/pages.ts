import { type Request, type Response, Router } from 'express';
import type { Deps } from '../../deps';
import { formNumber, handleForm, ID_RANGE, parseForm } from '../../web/forms';
import { formList, formString, notFoundPage, requirePage, sendPage, withId } from '../../web/page-helpers';
import { idKey, rowForms } from '../../web/row-forms';
import { periodLabel } from '../templates/ranges';
import { listTemplates } from '../templates/service';
import { reloadScheduler, schedulerOf } from './routes';
import { FREQUENCIES, ReportSchedule } from './schema';
import * as service from './service';

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function describe(s: {
  frequency: string;
  time_of_day: string;
  weekday: number;
  day_of_month: number;
  cron_expression: string | null;
}): string {
  switch (s.frequency) {
    case 'daily':
      return `every day at ${s.time_of_day} (yesterday's calls)`;
    case 'weekly':
      return `every ${WEEKDAYS[s.weekday]} at ${s.time_of_day} (last week's calls)`;
    case 'monthly':
      return `on day ${s.day_of_month} of each month at ${s.time_of_day} (last month's calls)`;
    default:
      return `cron "${s.cron_expression ?? ''}" (the template's range)`;
  }
}

// Form fields → the API body; a number that is not one is refused by name (parseForm).
export function scheduleFromForm(body: unknown): Record<string, unknown> {
  const frequency = formString(body, 'frequency') ?? '';
  const cronExpression = formString(body, 'cron_expression') ?? '';
  const raw: Record<string, unknown> = {
    template_id: formNumber(body, 'template_id', { ...ID_RANGE, label: 'the template' }),
    frequency,
    time_of_day: formString(body, 'time_of_day') ?? '',
    weekday: formNumber(body, 'weekday', { min: 0, max: 6 }),
    day_of_month: formNumber(body, 'day_of_month', { min: 1, max: 28, label: 'day of month' }),
    timezone: formString(body, 'timezone') ?? '',
    recipients: (formString(body, 'recipients') ?? '')
      .split(/[,;\s]+/)
      .map((r) => r.trim())
      .filter(Boolean),
    enabled: formList(body, 'enabled').includes('on'),
  };
  // A line break typed in the cron field is kept, so validation refuses it by name.
  if (frequency === 'cron' || cronExpression.trim() !== '') raw['cron_expression'] = cronExpression;
  for (const k of Object.keys(raw)) if (raw[k] === undefined) delete raw[k];
  return raw;
}

// Scheduled report pages: /reports/schedules (list, form, send now) and each one's send log.
export function schedulePages(deps: Deps): Router {
  const router = Router();
  const read = requirePage('admin', 'supervisor');
  const admin = requirePage('admin');
  const tz = deps.config.analytics.reportTimezone;

  const list = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    sendPage(
      req,
      res,
      'reports/schedules',
      {
        title: 'Scheduled reports',
        nav: 'reports',
        schedules: (await service.listSchedules(deps.db)).map((s) => ({
          ...s,
          when: describe(s),
          recipientList: s.recipients.join(', '),
        })),
        ...extra,
      },
      status,
    );
  };

  const form = async (values: Record<string, unknown>, extra: Record<string, unknown>) => ({
    title: extra['isNew'] ? 'New scheduled report' : 'Scheduled report',
    nav: 'reports',
    templates: (await listTemplates(deps.db)).map((t) => ({
      id: t.id,
      name: t.name,
      selected: t.id === values['template_id'],
    })),
    frequencies: FREQUENCIES.map((f) => ({ value: f, selected: f === values['frequency'] })),
    weekdays: WEEKDAYS.map((label, value) => ({ value, label, selected: value === values['weekday'] })),
    values: {
      ...values,
      recipients: Array.isArray(values['recipients']) ? (values['recipients'] as string[]).join(', ') : '',
    },
    ...extra,
  });

  router.get('/reports/schedules', read, (req, res) => list(req, res));
  rowForms(router, {
    base: '/reports/schedules',
    home: '/reports/schedules',
    redirect: (saved: { id: number }) => `/reports/schedules#schedule-${saved.id}`,
    template: 'reports/schedule-form',
    what: 'such scheduled report',
    key: idKey,
    guard: admin,
    blank: (req) => ({
      template_id: typeof req.query['template'] === 'string' ? Number(req.query['template']) : undefined,
      frequency: 'daily',
      time_of_day: '06:00',
      weekday: 1,
      day_of_month: 1,
      timezone: tz,
      recipients: [],
      enabled: true,
    }),
    find: async (id) => {
      const s = (await service.listSchedules(deps.db)).find((x) => x.id === id);
      return s && { ...s };
    },
    read: scheduleFromForm,
    shown: (raw) => raw,
    save: async (_req, id, raw) => {
      const saved = await service.saveSchedule(deps.db, id, parseForm(ReportSchedule, raw), tz);
      await reloadScheduler(deps);
      return saved;
    },
    remove: async (_req, id) => {
      await service.removeSchedule(deps.db, id);
      await reloadScheduler(deps);
    },
    fields: (details) => details.map((d) => ({ path: d.path.split('.')[0] ?? d.path, message: d.message })),
    field: 'template_id',
    form,
    list,
  });
  router.post(
    '/reports/schedules/:id/send-now',
    admin,
    withId('such scheduled report', async (req, res, id) => {
      await handleForm(res, {
        run: async () => {
          await service.getSchedule(deps.db, id);
          await schedulerOf(deps).sendNow(id);
        },
        redirect: `/reports/schedules/${id}/sends`,
        refused: ({ status, errorMessage }) => list(req, res, { errorMessage }, status),
      });
    }),
  );
  router.get(
    '/reports/schedules/:id/sends',
    read,
    withId('such scheduled report', async (req, res, id) => {
      const s = (await service.listSchedules(deps.db)).find((x) => x.id === id);
      if (!s) return notFoundPage(req, res, 'such scheduled report');
      const sends = await service.sendLog(deps.db, id);
      sendPage(req, res, 'reports/sends', {
        title: `Send log – ${s.template_name}`,
        nav: 'reports',
        schedule: { ...s, when: describe(s), recipientList: s.recipients.join(', ') },
        sends: sends.map((x) => ({
          ...x,
          period: periodLabel({ from: new Date(x.period_from), to: new Date(x.period_to) }, s.timezone),
        })),
      });
    }),
  );
  return router;
}
