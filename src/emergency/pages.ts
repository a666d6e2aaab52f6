import { type Request, type Response, Router } from 'express';
import { actorFor } from '../apply/trigger';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { describeDestination } from '../destinations';
import { destinationFormValue, destinationFromForm, destinationOptions } from '../destinations/picker';
import { parse } from '../http/parse';
import { listInbound } from '../routes';
import { byOf } from '../time-conditions';
import { formNumber, handleForm, ID_RANGE, numberFrom, parseForm } from '../web/forms';
import { formList, formString, greetingChoices, requirePage, sendPage } from '../web/page-helpers';
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
      greetingChoices(deps.db),
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
    const active = formString(req.body, 'active') === 'on';
    await handleForm(res, {
      run: () => withTx(deps.db, (tx) => service.setActive(tx, active, byOf(req), 'ui', actor(req))),
      redirect: '/emergency',
      refused: ({ status, errorMessage, errors }) => page(req, res, { errorMessage, errors }, status),
    });
  });

  router.post('/emergency', admin, async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const raw: Record<string, unknown> = {
      active: (await service.get(deps.db)).active,
      all_routes: formString(body, 'scope') !== 'chosen',
      route_ids: formList(body, 'route_ids').map((v) =>
        numberFrom(v, 'route_ids', { ...ID_RANGE, label: 'a route' }),
      ),
      greeting_id: formNumber(body, 'greeting_id', ID_RANGE) ?? null,
      destination: formString(body, 'destination') ? destinationFromForm(body, 'destination') : null,
    };
    await handleForm(res, {
      run: async () => {
        const input = parseForm(EmergencyInput, raw);
        await withTx(deps.db, (tx) => service.configure(tx, input, byOf(req), 'ui', actor(req)));
      },
      redirect: '/emergency',
      fields: (details) =>
        details.map((d) =>
          d.path.startsWith('destination') ? { path: 'destination', message: d.message } : d,
        ),
      refused: ({ status, errorMessage, errors }) =>
        page(req, res, { errorMessage, errors, values: raw }, status),
    });
  });

  router.post('/emergency/pin', admin, async (req, res) => {
    await handleForm(res, {
      run: async () => {
        const pin = (formString(req.body, 'pin') ?? '').trim();
        const input = parse(EmergencyPinInput, {
          pin: formString(req.body, 'remove_pin') === 'on' ? null : pin,
        });
        await withTx(deps.db, (tx) => service.setPin(tx, input.pin, actor(req)));
      },
      redirect: '/emergency',
      refused: ({ status, errorMessage, errors }) => page(req, res, { errorMessage, errors }, status),
    });
  });

  return router;
}
