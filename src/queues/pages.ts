import { type Request, Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { describeDestination } from '../destinations';
import { destinationFormValue, destinationFromForm, destinationOptions } from '../destinations/picker';
import type { ErrorDetail } from '../http/errors';
import { formNumber, ID_RANGE, type NumberRange, numberFrom, parseForm } from '../web/forms';
import { formList, formString, greetingChoices, listPage, requirePage } from '../web/page-helpers';
import { rowForms } from '../web/row-forms';
import { CALLBACK_CLASSES, CALLBACK_DEFAULTS, CreateQueue, UpdateQueue } from './schema';
import * as service from './service';
import { QUEUE_STRATEGIES } from './state';

// The form writes members one a line ("1001", "1002 5", "1003 0 dynamic") and VIP callers one
// number a line; the schema then judges the result exactly like an API body.

const MEMBER_LINE = /^(\S+)(?:\s+(\S+))?(?:\s+(dynamic|static))?$/i;

function lines(text: string | undefined): string[] {
  return (text ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}

const checked = (body: Record<string, unknown>, key: string) => formString(body, key) === 'on';

function membersFromText(text: string | undefined) {
  return lines(text).map((line) => {
    const m = MEMBER_LINE.exec(line);
    if (!m) return { extension: line };
    const penalty = m[2] === undefined ? 0 : numberFrom(m[2], 'penalty', { min: 0, max: 100 });
    return { extension: m[1]!, penalty, dynamic: m[3]?.toLowerCase() === 'dynamic' };
  });
}

export function membersText(
  members: ReadonlyArray<{ extension: string; penalty: number; dynamic: boolean }>,
) {
  return members.map((m) => `${m.extension} ${m.penalty}${m.dynamic ? ' dynamic' : ''}`).join('\n');
}

// The queue's number fields and their ranges (the schema's).
const NUMBER_FIELDS: Record<string, NumberRange> = {
  ring_seconds: { min: 5, max: 300 },
  retry_seconds: { min: 1, max: 300 },
  wrap_up_seconds: { min: 0, max: 3600 },
  service_level_seconds: { min: 1, max: 600 },
  max_wait_seconds: { min: 0, max: 86_400 },
  max_callers: { min: 0, max: 1000 },
  periodic_announce_seconds: { min: 10, max: 3600 },
  vip_priority: { min: 1, max: 10 },
};

const CALLBACK_CAPS: Record<string, NumberRange> = {
  max_pending: { min: 1, max: 1000 },
  max_per_number_per_day: { min: 1, max: 50 },
  max_per_caller_per_day: { min: 1, max: 100 },
};

function fromForm(body: Record<string, unknown>): Record<string, unknown> {
  const raw: Record<string, unknown> = {
    number: (formString(body, 'number') ?? '').trim(),
    name: formString(body, 'name') ?? '',
    strategy: formString(body, 'strategy') ?? '',
    members: membersFromText(formString(body, 'members')),
    join_when_empty: checked(body, 'join_when_empty'),
    leave_when_empty: checked(body, 'leave_when_empty'),
    announce_position: checked(body, 'announce_position'),
    announce_hold_time: checked(body, 'announce_hold_time'),
    moh_class: formString(body, 'moh_class') || 'default',
    vip_caller_ids: lines(formString(body, 'vip_caller_ids')),
    failover_destination: destinationFromForm(body, 'failover_destination'),
    periodic_announce_greeting_id: formNumber(body, 'periodic_announce_greeting_id', ID_RANGE) ?? null,
  };
  for (const [key, range] of Object.entries(NUMBER_FIELDS)) {
    const v = formNumber(body, key, range);
    if (v !== undefined) raw[key] = v;
  }
  const callback: Record<string, unknown> = {
    enabled: checked(body, 'callback_enabled'),
    key: (formString(body, 'callback_key') ?? '1').trim(),
  };
  const attempts = formNumber(body, 'callback_max_attempts', { min: 1, max: 10 });
  if (attempts !== undefined) callback['max_attempts'] = attempts;
  const retry = formNumber(body, 'callback_retry_seconds', { min: 10, max: 3600 });
  if (retry !== undefined) callback['retry_seconds'] = retry;
  // Every ticked class is passed on, whatever its name: the schema refuses the ones a callback
  // may never dial.
  callback['allowed_classes'] = formList(body, 'callback_allowed_classes');
  callback['allow_typed_numbers'] = checked(body, 'callback_allow_typed_numbers');
  for (const [key, range] of Object.entries(CALLBACK_CAPS)) {
    const v = formNumber(body, `callback_${key}`, range);
    if (v !== undefined) callback[key] = v;
  }
  raw['callback'] = callback;
  return raw;
}

// members.2.penalty → members ("line 3: …"); callback.key → callback_key; destination parts.
function formErrors(details: ErrorDetail[]): ErrorDetail[] {
  return details.map((d) => {
    const m = /^(members|vip_caller_ids)\.([0-9]+)/.exec(d.path);
    if (m) return { path: m[1]!, message: `line ${Number(m[2]) + 1}: ${d.message}` };
    if (d.path.startsWith('failover_destination'))
      return { path: 'failover_destination', message: d.message };
    if (d.path.startsWith('callback.'))
      return {
        path: `callback_${d.path.slice('callback.'.length).replace(/\.[0-9]+$/, '')}`,
        message: d.message,
      };
    return d;
  });
}

// The form's values from the API shape (edit) or from what was posted (re-display).
function formValues(q: Record<string, unknown>): Record<string, unknown> {
  const members = q['members'] as
    | Array<{ extension: string; penalty: unknown; dynamic?: boolean }>
    | undefined;
  const callback = (q['callback'] ?? {}) as Record<string, unknown>;
  return {
    ...q,
    membersText: (members ?? [])
      .map(
        (m) =>
          `${m.extension}${m.penalty === undefined ? '' : ` ${String(m.penalty)}`}${m.dynamic ? ' dynamic' : ''}`,
      )
      .join('\n'),
    vipText: ((q['vip_caller_ids'] as string[] | undefined) ?? []).join('\n'),
    callback_enabled: callback['enabled'] === true,
    callback_key: callback['key'] ?? '1',
    callback_max_attempts: callback['max_attempts'] ?? 3,
    callback_retry_seconds: callback['retry_seconds'] ?? 60,
    callback_allow_typed_numbers: callback['allow_typed_numbers'] === true,
    ...Object.fromEntries(
      CALLBACK_CLASSES.map((c) => [
        `callback_class_${c}`,
        ((callback['allowed_classes'] as string[] | undefined) ?? CALLBACK_DEFAULTS.allowed_classes).includes(
          c,
        ),
      ]),
    ),
    ...Object.fromEntries(
      Object.keys(CALLBACK_CAPS).map((k) => [
        `callback_${k}`,
        callback[k] ?? CALLBACK_DEFAULTS[k as keyof typeof CALLBACK_DEFAULTS],
      ]),
    ),
  };
}

const NEW_QUEUE = {
  strategy: 'rrmemory',
  members: [],
  ring_seconds: 15,
  retry_seconds: 5,
  wrap_up_seconds: 0,
  service_level_seconds: 20,
  max_wait_seconds: 0,
  max_callers: 0,
  join_when_empty: true,
  leave_when_empty: false,
  announce_position: false,
  announce_hold_time: false,
  periodic_announce_greeting_id: null,
  periodic_announce_seconds: 60,
  moh_class: 'default',
  vip_caller_ids: [],
  vip_priority: 10,
  failover_destination: null,
  callback: CALLBACK_DEFAULTS,
};

export function queuePages(deps: Deps): Router {
  const router = Router();
  const admin = requirePage('admin');
  const actor = (req: Request) => actorFor(deps, actorName(req));
  const choices = async () => {
    const greetings = await greetingChoices(deps.db);
    const moh = (await deps.db.schema.hasTable('moh_classes'))
      ? ((await deps.db('moh_classes').orderBy('name').select('id', 'name')) as Array<{
          id: number;
          name: string;
        }>)
      : [];
    return {
      greetings,
      mohClasses: [
        { value: 'default', label: 'Default music' },
        ...moh.map((c) => ({ value: `sb-moh-${c.id}`, label: c.name })),
      ],
      strategies: QUEUE_STRATEGIES,
      destinationGroups: await destinationOptions(deps.db),
    };
  };

  const list = listPage('queues/list', 'Queues', 'queues', async () => {
    const items = await service.listApi(deps.db);
    return {
      items: items.map((q) => ({
        number: q.number,
        name: q.name,
        strategy: q.strategy,
        members: q.members.length,
        dynamic: q.members.filter((m) => m.dynamic).length,
        failover: describeDestination(q.failover_destination),
        callback: q.callback.enabled,
      })),
    };
  });

  const form = async (values: Record<string, unknown>, extra: Record<string, unknown>) => {
    const dest = values['failover_destination'] as { type: string; target: string } | null | undefined;
    return {
      title: extra['isNew'] ? 'New queue' : `Queue ${String(values['number'])}`,
      nav: 'queues',
      ...(await choices()),
      destinationValue: destinationFormValue(dest?.type ? dest : null),
      values: formValues(values),
      ...extra,
    };
  };

  rowForms(router, {
    base: '/queues',
    home: '/queues',
    redirect: (saved: { number: string }) => `/queues#queue-${saved.number}`,
    template: 'queues/form',
    what: 'such queue',
    // A path segment that is not a queue number is a page that does not exist.
    key: (raw) => (/^[1-9][0-9]{1,9}$/.test(raw) ? raw : null),
    targetKey: 'current',
    guard: admin,
    listGuard: requirePage('admin', 'supervisor'),
    blank: () => NEW_QUEUE,
    find: async (number) => (await service.listApi(deps.db)).find((q) => q.number === number),
    read: (body) => fromForm((body ?? {}) as Record<string, unknown>),
    shown: (raw) => raw,
    save: (req, current, raw) =>
      withTx(deps.db, async (tx) =>
        current === null
          ? service.save(tx, null, parseForm(CreateQueue, raw), actor(req))
          : service.save(tx, current, parseForm(UpdateQueue, raw), actor(req)),
      ),
    remove: (req, number) => withTx(deps.db, (tx) => service.remove(tx, number, actor(req))),
    fields: formErrors,
    field: 'name',
    form,
    list,
  });

  return router;
}
