import { Router } from 'express';
import { actorName } from '../auth/middleware';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { ValidationError } from '../http/errors';
import { LANGUAGE_SUGGESTIONS } from '../lib/language';
import { formNumber, formTarget, handleForm, parseForm } from '../web/forms';
import { formList, formString, formText, notFoundPage, requirePage, sendPage } from '../web/page-helpers';
import { parseImport } from './csv';
import { importExtensions } from './import';
import { registrations } from './registration';
import * as repo from './repo';
import { extensionActor } from './routes';
import {
  CODECS,
  createExtensionSchema,
  DEFAULT_CLASSES,
  DEFAULT_CODECS,
  SERVICE_CLASSES,
  UpdateExtension,
} from './schema';
import * as service from './service';

const PAGE_SIZE = 25;

// Turns a submitted form into the API's shape, so pages and API share one schema and service.
function fromForm(body: unknown, isNew: boolean): Record<string, unknown> {
  const text = (k: string) => formText(body, k);
  const out: Record<string, unknown> = { display_name: formString(body, 'display_name') ?? '' };
  if (isNew) out['number'] = (formString(body, 'number') ?? '').trim();
  out['caller_id_name'] = text('caller_id_name') ?? null;
  out['caller_id_number'] = text('caller_id_number') ?? null;
  out['email'] = text('email') ?? null;
  if (text('sip_secret')) out['sip_secret'] = text('sip_secret');
  if (text('auth_username')) out['auth_username'] = text('auth_username');
  const max = formNumber(body, 'max_contacts', { min: 1, max: 10 });
  if (max !== undefined) out['max_contacts'] = max;
  out['codecs'] = formList(body, 'codecs');
  out['voicemail_enabled'] = formString(body, 'voicemail_enabled') === 'yes';
  out['classes'] = formList(body, 'classes');
  out['outbound_caller_id'] = text('outbound_caller_id') ?? null;
  out['language'] = text('language') ?? null;
  return out;
}

export function extensionPages(deps: Deps): Router {
  const router = Router();
  const Create = createExtensionSchema(deps.config.extensionRange);
  const admin = requirePage('admin');

  router.get('/extensions', requirePage('admin', 'supervisor'), async (req, res) => {
    const q = (formString(req.query, 'q') ?? '').slice(0, 80);
    const cursorRaw = formString(req.query, 'cursor');
    const cursor = cursorRaw && /^[0-9]{1,10}$/.test(cursorRaw) ? cursorRaw : undefined;
    const { rows, total } = await repo.page(deps.db, { limit: PAGE_SIZE, after: cursor, q: q || undefined });
    const regs = await registrations(
      deps.ari,
      deps.log,
      rows.map((r) => r.number),
      null,
    );
    const live = new URLSearchParams({
      limit: String(PAGE_SIZE),
      ...(q ? { q } : {}),
      ...(cursor ? { cursor } : {}),
    });
    sendPage(req, res, 'extensions/list', {
      title: 'Extensions',
      nav: 'extensions',
      q,
      cursor,
      total,
      items: rows.map((r) => ({ ...repo.toApi(r), registration: regs.get(r.number) })),
      nextCursor: rows.length === PAGE_SIZE ? rows.at(-1)?.number : null,
      firstHref: `/extensions?${new URLSearchParams(q ? { q } : {})}`,
      nextHref: `/extensions?${new URLSearchParams({ ...(q ? { q } : {}), cursor: rows.at(-1)?.number ?? '' })}`,
      liveQuery: live.toString(),
    });
  });

  const form = (values: Record<string, unknown>, extra: Record<string, unknown>) => ({
    title: extra['isNew'] ? 'New extension' : `Extension ${String(values['number'])}`,
    nav: 'extensions',
    codecs: CODECS,
    classes: SERVICE_CLASSES.filter((c) => c !== 'emergency'),
    languages: LANGUAGE_SUGGESTIONS,
    values,
    ...extra,
  });

  router.get('/extensions/new', admin, (req, res) => {
    sendPage(
      req,
      res,
      'extensions/form',
      form(
        { codecs: DEFAULT_CODECS, classes: DEFAULT_CLASSES, max_contacts: 1 },
        { isNew: true, action: '/extensions' },
      ),
    );
  });

  router.post('/extensions', admin, async (req, res) => {
    const raw = fromForm(req.body, true);
    await handleForm(res, {
      run: () => {
        const input = parseForm(Create, raw);
        return withTx(deps.db, (tx) => service.create(tx, input, extensionActor(deps, actorName(req))));
      },
      done: ({ extension, sipSecret }) =>
        sendPage(
          req,
          res,
          'extensions/created',
          { title: 'Extension created', nav: 'extensions', extension, secret: sipSecret },
          201,
        ),
      field: 'number',
      refused: ({ status, errors }) =>
        sendPage(
          req,
          res,
          'extensions/form',
          form(raw, { ...formTarget('/extensions', null), errors }),
          status,
        ),
    });
  });

  router.get('/extensions/import', admin, (req, res) => {
    sendPage(req, res, 'extensions/import', { title: 'Import extensions', nav: 'extensions' });
  });

  router.post('/extensions/import', admin, async (req, res) => {
    const csv = formString(req.body, 'csv') ?? '';
    const dryRun = formString(req.body, 'dry_run') !== 'false';
    const upsert = formString(req.body, 'upsert') === 'yes';
    const page = { title: 'Import extensions', nav: 'extensions', upsert };
    await handleForm(res, {
      run: () => {
        if (!csv.trim()) throw new ValidationError([{ path: 'csv', message: 'paste the CSV first' }]);
        const parsed = parseImport(csv, Create);
        const mode = upsert ? 'upsert' : 'create';
        return withTx(deps.db, (tx) =>
          importExtensions(tx, parsed, { dryRun, mode }, extensionActor(deps, actorName(req))),
        );
      },
      done: (summary) =>
        sendPage(req, res, 'extensions/import', { ...page, summary, csv: dryRun ? csv : '' }),
      refused: ({ status, errorMessage, errors }) =>
        sendPage(req, res, 'extensions/import', { ...page, errorMessage, errors, csv }, status),
    });
  });

  router.get('/extensions/:number/edit', admin, async (req, res) => {
    const number = String(req.params['number']);
    const row = /^[0-9]{1,10}$/.test(number) ? await repo.findByNumber(deps.db, number) : undefined;
    if (!row) {
      notFoundPage(req, res, `extension ${number}`);
      return;
    }
    const regs = await registrations(deps.ari, deps.log, [number], deps.contacts);
    sendPage(
      req,
      res,
      'extensions/form',
      form(
        { ...repo.toApi(row) },
        { isNew: false, action: `/extensions/${number}`, registration: regs.get(number) },
      ),
    );
  });

  router.post('/extensions/:number', admin, async (req, res) => {
    const number = String(req.params['number']);
    const raw = fromForm(req.body, false);
    await handleForm(res, {
      run: async () => {
        const input = parseForm(UpdateExtension, raw);
        await withTx(deps.db, (tx) =>
          service.replace(tx, number, input, extensionActor(deps, actorName(req))),
        );
      },
      redirect: '/extensions',
      refused: ({ status, errors }) =>
        sendPage(
          req,
          res,
          'extensions/form',
          form(
            { ...raw, number },
            {
              isNew: false,
              action: `/extensions/${number}`,
              errors,
              registration: { state: 'unknown', contacts: [] },
            },
          ),
          status,
        ),
    });
  });

  router.post('/extensions/:number/delete', admin, async (req, res) => {
    const number = String(req.params['number']);
    await withTx(deps.db, (tx) => service.remove(tx, number, extensionActor(deps, actorName(req))));
    res.redirect(303, '/extensions');
  });

  return router;
}
