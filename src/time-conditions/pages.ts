import { type Request, type Response, Router } from 'express';
import { actorFor } from '../apply/trigger';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { describeDestination } from '../destinations';
import { destinationFormValue, destinationFromForm, destinationOptions } from '../destinations/picker';
import type { ErrorDetail } from '../http/errors';
import { parse } from '../http/parse';
import { handleForm } from '../web/forms';
import { formString, requirePage, sendPage, withId } from '../web/page-helpers';
import { idKey, rowForms } from '../web/row-forms';
import { byOf } from './routes';
import { OverrideInput, TimeConditionInput } from './schema';
import * as service from './service';

// The form writes the schedule as text, one rule a line, and the schema judges it like an API
// body: "mon 09:00-17:00" and "2026-12-24..2027-01-02 yearly Winter break".

const RANGE_LINE = /^(\S+)\s+(\S+?)\s*-\s*(\S+)$/;
const HOLIDAY_LINE = /^(\S+?)(?:\.\.(\S+))?(\s+yearly)?(?:\s+(.*))?$/;

function lines(text: string | undefined): string[] {
  return (text ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}

function weeklyFromText(text: string | undefined) {
  return lines(text).map((line) => {
    const m = RANGE_LINE.exec(line);
    return m ? { day: m[1]!.toLowerCase(), start: m[2]!, end: m[3]! } : { day: line, start: '', end: '' };
  });
}

function holidaysFromText(text: string | undefined) {
  return lines(text).map((line) => {
    const m = HOLIDAY_LINE.exec(line)!;
    const out: Record<string, unknown> = { name: (m[4] ?? '').trim() || 'Holiday', start: m[1]! };
    if (m[2]) out['end'] = m[2];
    if (m[3]) out['yearly'] = true;
    return out;
  });
}

export function weeklyText(weekly: ReadonlyArray<{ day: string; start: string; end: string }>): string {
  return weekly.map((r) => `${r.day} ${r.start}-${r.end}`).join('\n');
}

export function holidaysText(
  holidays: ReadonlyArray<{ name: string; start: string; end: string; yearly: boolean }>,
): string {
  return holidays
    .map((h) => `${h.start}${h.end !== h.start ? `..${h.end}` : ''}${h.yearly ? ' yearly' : ''} ${h.name}`)
    .join('\n');
}

function fromForm(body: Record<string, unknown>) {
  const raw: Record<string, unknown> = {
    name: formString(body, 'name') ?? '',
    timezone: (formString(body, 'timezone') ?? '').trim(),
    weekly: weeklyFromText(formString(body, 'weekly')),
    holidays: holidaysFromText(formString(body, 'holidays')),
    open_destination: destinationFromForm(body, 'open_destination'),
    closed_destination: destinationFromForm(body, 'closed_destination'),
  };
  const pin = (formString(body, 'pin') ?? '').trim();
  if (formString(body, 'remove_pin') === 'on') raw['pin'] = null;
  else if (pin !== '') raw['pin'] = pin;
  return raw;
}

// weekly.2.end → weekly ("line 3: …"), open_destination.target → open_destination.
function formErrors(details: ErrorDetail[]): ErrorDetail[] {
  return details.map((d) => {
    const m = /^(weekly|holidays)\.([0-9]+)/.exec(d.path);
    if (m) return { path: m[1]!, message: `line ${Number(m[2]) + 1}: ${d.message}` };
    const dest = /^(open_destination|closed_destination)\./.exec(d.path);
    return dest ? { path: dest[1]!, message: d.message } : d;
  });
}

export function timeConditionPages(deps: Deps): Router {
  const router = Router();
  const admin = requirePage('admin');
  const ctx = (req: Request): service.Context => ({
    actor: actorFor(deps, byOf(req)),
    zoneinfoDir: service.zoneinfoDirFor(deps.config.asteriskSoundsDir),
  });

  const list = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    const items = (await service.listApi(deps.db)).map((tc) => ({
      ...tc,
      openLabel: describeDestination(tc.open_destination),
      closedLabel: describeDestination(tc.closed_destination),
    }));
    sendPage(
      req,
      res,
      'time-conditions/list',
      { title: 'Time conditions', nav: 'time-conditions', items, ...extra },
      status,
    );
  };

  const form = async (values: Record<string, unknown>, extra: Record<string, unknown>) => {
    const dest = (key: string) => {
      const d = values[key] as { type: string; target: string } | null | undefined;
      return destinationFormValue(d?.type ? d : null);
    };
    const groups = await destinationOptions(deps.db);
    return {
      title: extra['isNew'] ? 'New time condition' : `Time condition ${String(values['name'])}`,
      nav: 'time-conditions',
      openGroups: groups,
      closedGroups: groups,
      openValue: dest('open_destination'),
      closedValue: dest('closed_destination'),
      values,
      ...extra,
    };
  };

  rowForms(router, {
    base: '/time-conditions',
    home: '/time-conditions',
    template: 'time-conditions/form',
    what: 'such time condition',
    key: idKey,
    guard: admin,
    listGuard: requirePage('admin', 'supervisor'),
    blank: () => ({
      timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      weekly_text: 'mon 09:00-17:00\ntue 09:00-17:00\nwed 09:00-17:00\nthu 09:00-17:00\nfri 09:00-17:00',
      holidays_text: '',
    }),
    find: async (id) => {
      const tc = await service.get(deps.db, id).catch(() => null);
      return tc
        ? { ...tc, weekly_text: weeklyText(tc.weekly), holidays_text: holidaysText(tc.holidays) }
        : undefined;
    },
    read: (body) => {
      const b = body as Record<string, unknown>;
      return {
        raw: fromForm(b),
        weekly: formString(b, 'weekly') ?? '',
        holidays: formString(b, 'holidays') ?? '',
      };
    },
    shown: ({ raw, weekly, holidays }) => ({
      ...raw,
      weekly_text: weekly,
      holidays_text: holidays,
      pin: undefined,
    }),
    save: (req, id, { raw }) => {
      const input = parse(TimeConditionInput, raw);
      return withTx(deps.db, (tx) => service.save(tx, id, input, ctx(req)));
    },
    remove: (req, id) => withTx(deps.db, (tx) => service.remove(tx, id, actorFor(deps, byOf(req)))),
    fields: formErrors,
    field: 'name',
    form,
    list,
  });

  // The three override buttons: supervisors may use them too.
  router.post(
    '/time-conditions/:id/override',
    requirePage('admin', 'supervisor'),
    withId('such time condition', async (req, res, id) => {
      await handleForm(res, {
        run: async () => {
          const { mode } = parse(OverrideInput, { mode: formString(req.body, 'mode') });
          await withTx(deps.db, (tx) => service.setOverride(tx, id, mode, 'ui', actorFor(deps, byOf(req))));
        },
        redirect: '/time-conditions',
        refused: ({ status, errorMessage }) => list(req, res, { errorMessage }, status),
      });
    }),
  );

  return router;
}
