import { type Request, Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { describeDestination } from '../destinations';
import { destinationFormValue, destinationFromForm, destinationOptions } from '../destinations/picker';
import type { ErrorDetail } from '../http/errors';
import { LANGUAGE_SUGGESTIONS } from '../lib/language';
import { formNumber, ID_RANGE, parseForm } from '../web/forms';
import { formString, greetingChoices, listPage, requirePage } from '../web/page-helpers';
import { formRows, postedRows } from '../web/repeater';
import { idKey, rowForms } from '../web/row-forms';
import { DIGITS, Ivr, MAX_OPTIONS } from './schema';
import * as service from './service';

// Rows shown for options: the saved ones plus empty rows, at least this many.
const MIN_ROWS = 4;

type Body = Record<string, unknown>;

function formGreeting(body: unknown, key: string): unknown {
  return formNumber(body, key, ID_RANGE) ?? null;
}

// Form fields → the API body, plus which form row each kept option came from (empty rows are
// skipped, so option i of the body is not necessarily row i of the form).
export function ivrFromForm(body: unknown): { raw: Record<string, unknown>; rows: number[] } {
  const b = (body ?? {}) as Body;
  const { items: options, rows } = postedRows(b, 'option', MAX_OPTIONS + 1, 'digit', (digit, field) => ({
    digit,
    destination: destinationFromForm(b, field('destination')),
    language: formString(b, field('language'))?.trim() || null,
  }));
  const repeat = formString(b, 'repeat_digit')?.trim() ?? '';
  const raw: Record<string, unknown> = {
    name: formString(b, 'name') ?? '',
    prompt_greeting_id: formGreeting(b, 'prompt_greeting_id'),
    options,
    direct_dial: formString(b, 'direct_dial') === 'on',
    repeat_digit: repeat === '' ? null : repeat,
    retry_greeting_id: formGreeting(b, 'retry_greeting_id'),
    invalid_destination: destinationFromForm(b, 'invalid_destination'),
  };
  const timeout = formNumber(b, 'timeout_seconds', { min: 1, max: 60 });
  if (timeout !== undefined) raw['timeout_seconds'] = timeout;
  const retries = formNumber(b, 'max_retries', { min: 0, max: 5 });
  if (retries !== undefined) raw['max_retries'] = retries;
  return { raw, rows };
}

// API error paths → the form's field names.
function formErrors(details: ErrorDetail[], rows: number[]): ErrorDetail[] {
  return details.map((d) => {
    const m = /^options\.(\d+)\.(digit|destination|language)/.exec(d.path);
    if (m) return { path: `option_${rows[Number(m[1])] ?? 0}_${m[2]}`, message: d.message };
    if (d.path.startsWith('invalid_destination')) return { path: 'invalid_destination', message: d.message };
    return d;
  });
}

export function ivrPages(deps: Deps): Router {
  const router = Router();
  const admin = requirePage('admin');
  const actor = (req: Request) => actorFor(deps, actorName(req));
  const range = deps.config.extensionRange;

  const list = listPage('ivrs/list', 'IVR menus', 'ivrs', async () => {
    const [ivrs, greetings] = await Promise.all([service.listIvrs(deps.db), greetingChoices(deps.db)]);
    const greetingName = (id: number | null) => greetings.find((g) => g.id === id)?.name ?? null;
    return {
      ivrs: ivrs.map((i) => ({
        id: i.id,
        name: i.name,
        prompt: greetingName(i.promptGreetingId),
        options: i.options.map((o) => ({
          digit: o.digit,
          label: describeDestination(o.destination),
          language: o.language ?? null,
        })),
        directDial: i.directDial,
        repeatDigit: i.repeatDigit,
        final: describeDestination(i.invalidDestination),
        timeout: i.timeoutSeconds,
        retries: i.maxRetries,
      })),
    };
  });

  const form = async (
    values: Record<string, unknown>,
    rowsUsed: number[],
    extra: Record<string, unknown>,
  ) => {
    const [groups, greetings] = await Promise.all([destinationOptions(deps.db), greetingChoices(deps.db)]);
    const options = (values['options'] ?? []) as Array<{
      digit: string;
      destination: { type: string; target: string };
      language?: string | null;
    }>;
    const least = Math.min(MAX_OPTIONS, Math.max(MIN_ROWS, options.length + 1));
    // A re-displayed form puts each option back on the row it came from.
    const rows = formRows(options, rowsUsed, least, (row, o) => ({
      row,
      digitField: `option_${row}_digit`,
      destField: `option_${row}_destination`,
      langField: `option_${row}_language`,
      language: o?.language ?? '',
      digit: o?.digit ?? '',
      value: destinationFormValue(o?.destination?.type ? o.destination : null),
    }));
    const invalid = values['invalid_destination'] as { type: string; target: string } | undefined;
    return {
      title: extra['isNew'] ? 'New IVR menu' : `IVR menu ${String(values['name'])}`,
      nav: 'ivrs',
      digits: [...DIGITS],
      greetings,
      destinationGroups: groups,
      rows,
      languages: LANGUAGE_SUGGESTIONS,
      invalidValue: destinationFormValue(invalid?.type ? invalid : null),
      values,
      range,
      ...extra,
    };
  };

  rowForms(router, {
    base: '/ivrs',
    home: '/ivrs',
    template: 'ivrs/form',
    what: 'such IVR menu',
    key: idKey,
    guard: admin,
    listGuard: requirePage('admin', 'supervisor'),
    blank: () => ({
      timeout_seconds: 5,
      max_retries: 2,
      options: [],
      prompt_greeting_id: null,
      retry_greeting_id: null,
    }),
    find: async (id) => {
      const [ivr] = await service.listIvrs(deps.db, [id]);
      return ivr && service.ivrToApi(ivr);
    },
    read: ivrFromForm,
    shown: (posted) => posted.raw,
    save: (req, id, { raw }) => {
      const input = parseForm(Ivr, raw);
      return withTx(deps.db, (tx) => service.saveIvr(tx, id, input, actor(req), range));
    },
    remove: (req, id) => withTx(deps.db, (tx) => service.removeIvr(tx, id, actor(req))),
    fields: (details, { rows }) => formErrors(details, rows),
    field: 'name',
    form: (values, extra, posted) => form(values, posted?.rows ?? [], extra),
    list,
  });

  return router;
}
