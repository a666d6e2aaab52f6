import { type Request, type Response, Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { describeDestination } from '../destinations';
import { destinationFormValue, destinationFromForm, destinationOptions } from '../destinations/picker';
import type { ErrorDetail } from '../http/errors';
import { parse } from '../http/parse';
import { LANGUAGE_SUGGESTIONS } from '../lib/language';
import { fieldErrors, splitList, trunksRepo as trunkRepo } from '../trunks';
import { formNumber, handleForm, ID_RANGE, numberFrom, parseForm } from '../web/forms';
import { formList, formString, requirePage, sendPage, withId } from '../web/page-helpers';
import { idKey, rowForms } from '../web/row-forms';
import { BlockedCaller, InboundRoute, OutboundRoute, ROUTE_CLASSES } from './schema';
import * as service from './service';

const CLASS_LABELS: Record<string, string> = {
  local: 'local',
  national: 'national',
  international: 'international',
  premium: 'premium-rate',
  emergency: 'emergency (always allowed)',
};
const BLOCK_ACTIONS = [
  { value: 'hangup', label: 'Hang up' },
  { value: 'busy', label: 'Play busy' },
];
// At most this many trunks in a route (the schema's limit).
const MAX_TRUNKS = 10;

// A route's place in its list: 1 is first.
const POSITION = { min: 1, max: 2_147_483_647 };

function outboundFromForm(body: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: formString(body, 'name') ?? '',
    patterns: splitList(formString(body, 'patterns')),
    prepend: (formString(body, 'prepend') ?? '').trim(),
    caller_id_number: formString(body, 'caller_id_number')?.trim() || null,
    class: formString(body, 'class') ?? '',
    // One select per failover step, in order; the empty ones are skipped.
    trunk_ids: formList(body, 'trunk_ids')
      .map((v) => v.trim())
      .filter(Boolean)
      .map((v) => numberFrom(v, 'trunk_ids', { ...ID_RANGE, label: 'a trunk' })),
  };
  const strip = formNumber(body, 'strip', { min: 0, max: 20 });
  if (strip !== undefined) out['strip'] = strip;
  const position = formNumber(body, 'position', POSITION);
  if (position !== undefined) out['position'] = position;
  return out;
}

function inboundFromForm(body: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: formString(body, 'name') ?? '',
    did: (formString(body, 'did') ?? '').trim(),
    caller_id: formString(body, 'caller_id')?.trim() || null,
    destination: destinationFromForm(body as Record<string, unknown>, 'destination'),
    caller_id_name_prefix: formString(body, 'caller_id_name_prefix') ?? '',
    language: formString(body, 'language')?.trim() || null,
  };
  const position = formNumber(body, 'position', POSITION);
  if (position !== undefined) out['position'] = position;
  const queuePriority = formNumber(body, 'queue_priority', { min: 0, max: 10 });
  if (queuePriority !== undefined) out['queue_priority'] = queuePriority;
  return out;
}

// destination.target / destination.type are shown under the destination chooser.
function inboundErrors(details: ErrorDetail[]): ErrorDetail[] {
  return details.map((d) =>
    d.path.startsWith('destination') ? { path: 'destination', message: d.message } : d,
  );
}

export function routePages(deps: Deps): Router {
  const router = Router();
  const admin = requirePage('admin');
  const actor = (req: Request) => actorFor(deps, actorName(req));

  // ---- the overview: outbound, inbound, blocked callers

  const overview = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    const [outbound, inbound, blocked] = await Promise.all([
      service.listOutbound(deps.db),
      service.listInbound(deps.db),
      service.listBlocked(deps.db),
    ]);
    sendPage(
      req,
      res,
      'routes/index',
      {
        title: 'Routes',
        nav: 'routes',
        outbound: outbound.map((r, i) => ({ ...service.outboundToApi(r), order: i + 1 })),
        inbound: inbound.map((r, i) => ({
          ...service.inboundToApi(r),
          order: i + 1,
          destinationLabel: describeDestination(r.destination),
        })),
        blocked,
        blockActions: BLOCK_ACTIONS,
        blockValues: { action: 'hangup' },
        ...extra,
      },
      status,
    );
  };

  router.get('/routes', requirePage('admin', 'supervisor'), async (req, res) => {
    await overview(req, res);
  });

  // ---- outbound routes

  const outboundForm = async (values: Record<string, unknown>, extra: Record<string, unknown>) => {
    const trunks = (await trunkRepo.list(deps.db)).map((t) => ({ id: t.id, name: t.name, kind: t.kind }));
    const chosen = Array.isArray(values['trunk_ids']) ? (values['trunk_ids'] as unknown[]) : [];
    // One select per step: what is chosen, plus one empty step, at least three.
    const steps = Math.min(MAX_TRUNKS, Math.max(3, chosen.length + 1, 1));
    return {
      title: extra['isNew'] ? 'New outbound route' : `Outbound route ${String(values['name'])}`,
      nav: 'routes',
      classes: ROUTE_CLASSES.map((c) => ({ value: c, label: CLASS_LABELS[c] ?? c })),
      trunks,
      trunkSteps: Array.from({ length: steps }, (_, i) => ({
        step: i + 1,
        failover: i,
        selected: chosen[i] === undefined ? '' : chosen[i],
      })),
      values: {
        ...values,
        patterns_text: Array.isArray(values['patterns']) ? values['patterns'].join('\n') : '',
      },
      ...extra,
    };
  };

  rowForms(router, {
    base: '/routes/outbound',
    home: '/routes',
    template: 'routes/outbound-form',
    what: 'such outbound route',
    key: idKey,
    guard: admin,
    blank: () => ({ strip: 0, prepend: '', class: 'national', patterns: [] }),
    find: async (id) => {
      const route = (await service.listOutbound(deps.db)).find((r) => r.id === id);
      return route && service.outboundToApi(route);
    },
    read: outboundFromForm,
    shown: (raw) => raw,
    // Create and update share one path: the service takes `null` for a new route.
    save: (req, id, raw) => {
      const input = parseForm(OutboundRoute, raw);
      return withTx(deps.db, (tx) => service.saveOutbound(tx, id, input, actor(req)));
    },
    remove: (req, id) => withTx(deps.db, (tx) => service.removeOutbound(tx, id, actor(req))),
    fields: fieldErrors,
    field: 'name',
    form: outboundForm,
    list: overview,
  });

  // ---- inbound routes

  const inboundForm = async (values: Record<string, unknown>, extra: Record<string, unknown>) => {
    const dest = (values['destination'] ?? null) as { type: string; target: string } | null;
    return {
      title: extra['isNew'] ? 'New inbound route' : `Inbound route ${String(values['name'])}`,
      nav: 'routes',
      destinationGroups: await destinationOptions(deps.db),
      destinationValue: destinationFormValue(dest?.type ? dest : null),
      languages: LANGUAGE_SUGGESTIONS,
      values,
      ...extra,
    };
  };

  rowForms(router, {
    base: '/routes/inbound',
    home: '/routes',
    template: 'routes/inbound-form',
    what: 'such inbound route',
    key: idKey,
    guard: admin,
    blank: () => ({ destination: null, caller_id_name_prefix: '' }),
    find: async (id) => {
      const route = (await service.listInbound(deps.db)).find((r) => r.id === id);
      return route && service.inboundToApi(route);
    },
    read: inboundFromForm,
    shown: (raw) => raw,
    save: (req, id, raw) => {
      const input = parseForm(InboundRoute, raw);
      return withTx(deps.db, (tx) => service.saveInbound(tx, id, input, actor(req)));
    },
    remove: (req, id) => withTx(deps.db, (tx) => service.removeInbound(tx, id, actor(req))),
    fields: inboundErrors,
    field: 'name',
    form: inboundForm,
    list: overview,
  });

  // ---- blocked callers

  router.post('/routes/blocked', admin, async (req, res) => {
    const raw = {
      pattern: (formString(req.body, 'pattern') ?? '').trim(),
      action: formString(req.body, 'action') || 'hangup',
    };
    await handleForm(res, {
      run: async () => {
        const input = parse(BlockedCaller, raw);
        await withTx(deps.db, (tx) => service.addBlocked(tx, input, actor(req)));
      },
      redirect: '/routes#blocked',
      field: 'pattern',
      refused: ({ status, errorMessage, errors }) =>
        overview(req, res, { blockValues: raw, blockMessage: errorMessage, blockErrors: errors }, status),
    });
  });

  router.post(
    '/routes/blocked/:id/delete',
    admin,
    withId('such blocked caller', async (req, res, id) => {
      await handleForm(res, {
        run: () => withTx(deps.db, (tx) => service.removeBlocked(tx, id, actor(req))),
        redirect: '/routes#blocked',
        refused: ({ status, errorMessage }) => overview(req, res, { errorMessage }, status),
      });
    }),
  );

  return router;
}
