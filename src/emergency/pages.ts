import { type Request, type Response, Router } from 'express';
import { actorFor } from '../apply/trigger';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { describeDestination } from '../destinations';
import { destinationFormValue, destinationFromForm, destinationOptions } from '../destinations/picker';
import { parse } from '../http/parse';
import { listInbound } from '../routes/service';
import { byOf } from '../time-conditions/routes';
import { formList, formString, refusal, requirePage, sendPage } from '../web/page-helpers';
import { EmergencyInput, EmergencyPinInput } from './schema';
import * as service from './service';

export function emergencyPages(deps: Deps): Router {
  const router = Router();
  const admin = requirePage('admin');
  const actor = (req: Request) => actorFor(deps, byOf(req));

  const page = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    const [state, routes, greetings, groups] = await Promise.all([
      service.get(deps.db),
      listInbound(deps.db),
      deps.db('greetings').orderBy('name').select('id', 'name') as Promise<
        Array<{ id: number; name: string }>
      >,
      destinationOptions(deps.db),
    ]);
    const values = (extra['values'] as Record<string, unknown> | undefined) ?? state;
    const dest = values['destination'] as { type: string; target: string } | null;
    const chosen = (values['route_ids'] as number[] | undefined) ?? [];
    sendPage(
      req,
      res,
      'emergency/index',
      {
        title: 'Emergency mode',
        nav: 'emergency',
        state,
        values,
        destinationLabel: state.destination ? describeDestination(state.destination) : null,
        greetingName: greetings.find((g) => g.id === state.greeting_id)?.name ?? null,
        greetings: greetings.map((g) => ({ ...g, selected: g.id === values['greeting_id'] })),
        routes: routes.map((r) => ({ id: r.id, name: r.name, did: r.did, checked: chosen.includes(r.id) })),
        groups,
        destinationValue: destinationFormValue(dest?.type ? dest : null),
        ...extra,
      },
      status,
    );
  };

  router.get('/emergency', requirePage('admin', 'supervisor'), (req, res) => page(req, res));

  // The big switch: on or off, keeping the rest.
  router.post('/emergency/switch', admin, async (req, res) => {
    try {
      const active = formString(req.body, 'active') === 'on';
      await withTx(deps.db, (tx) => service.setActive(tx, active, byOf(req), 'ui', actor(req)));
      res.redirect(303, '/emergency');
    } catch (caught) {
      const err = refusal(caught);
      await page(req, res, { errorMessage: err.message, errors: err.details }, err.status);
    }
  });

  router.post('/emergency', admin, async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const greeting = (formString(body, 'greeting_id') ?? '').trim();
    const raw: Record<string, unknown> = {
      active: (await service.get(deps.db)).active,
      all_routes: formString(body, 'scope') !== 'chosen',
      route_ids: formList(body, 'route_ids').map((v) => (/^[0-9]{1,10}$/.test(v) ? Number(v) : v)),
      greeting_id: greeting === '' ? null : /^[0-9]{1,10}$/.test(greeting) ? Number(greeting) : greeting,
      destination: formString(body, 'destination') ? destinationFromForm(body, 'destination') : null,
    };
    try {
      const input = parse(EmergencyInput, raw);
      await withTx(deps.db, (tx) => service.configure(tx, input, byOf(req), 'ui', actor(req)));
      res.redirect(303, '/emergency');
    } catch (caught) {
      const err = refusal(caught);
      const errors = err.details.map((d) =>
        d.path.startsWith('destination') ? { path: 'destination', message: d.message } : d,
      );
      await page(req, res, { errorMessage: err.message, errors, values: raw }, err.status);
    }
  });

  router.post('/emergency/pin', admin, async (req, res) => {
    try {
      const pin = (formString(req.body, 'pin') ?? '').trim();
      const input = parse(EmergencyPinInput, {
        pin: formString(req.body, 'remove_pin') === 'on' ? null : pin,
      });
      await withTx(deps.db, (tx) => service.setPin(tx, input.pin, actor(req)));
      res.redirect(303, '/emergency');
    } catch (caught) {
      const err = refusal(caught);
      await page(req, res, { errorMessage: err.message, errors: err.details }, err.status);
    }
  });

  return router;
}
