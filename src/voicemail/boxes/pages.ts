import { type Request, type Response, Router } from 'express';
import { actorFor } from '../../apply/trigger';
import { actorName } from '../../auth/middleware';
import { withTx } from '../../db/tx';
import type { Deps } from '../../deps';
import { parse } from '../../http/parse';
import { formNumber, formTarget, handleForm, ID_RANGE, parseForm } from '../../web/forms';
import { formString, greetingChoices, notFoundPage, requirePage, sendPage } from '../../web/page-helpers';
import { GREETING_KINDS, type GreetingKind } from './repo';
import { publishAfterSave } from './routes';
import { BoxNumber, CreateBox, PatchBox, SetPin } from './schema';
import * as service from './service';

// Admin pages for voicemail boxes, and the user's own "change my PIN" form. A PIN is shown on
// the page that made it (create, reset) and never again.

const OPTIONS = ['attach_audio', 'delete_after_email', 'transcribe', 'skip_pin_from_own_phone'] as const;
const GREETING_LABELS: Readonly<Record<GreetingKind, string>> = {
  unavailable: 'Unavailable',
  busy: 'Busy',
  name: 'Name',
  temporary: 'Temporary (overrides the others while set)',
};

// Form fields → the API body (an unchecked checkbox is absent from the form: false).
export function boxFromForm(body: unknown): Record<string, unknown> {
  const email = formString(body, 'email')?.trim() ?? '';
  const raw: Record<string, unknown> = { email: email === '' ? null : email };
  for (const o of OPTIONS) raw[o] = formString(body, o) === 'on';
  for (const kind of GREETING_KINDS) {
    raw[`${kind}_greeting_id`] = formNumber(body, `${kind}_greeting_id`, ID_RANGE) ?? null;
  }
  return raw;
}

export function voicemailBoxPages(deps: Deps): Router {
  const router = Router();
  const admin = requirePage('admin');
  const actor = (req: Request) => actorFor(deps, actorName(req));

  const list = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    const [boxes, greetings] = await Promise.all([service.list(deps.db), greetingChoices(deps.db)]);
    const greetingName = (id: number | null) => greetings.find((g) => g.id === id)?.name ?? null;
    sendPage(
      req,
      res,
      'voicemail-boxes/list',
      {
        title: 'Voicemail boxes',
        nav: 'voicemail-boxes',
        boxes: boxes.map((b) => ({
          ...b,
          greetings: GREETING_KINDS.map((kind) => ({
            label: kind,
            name: greetingName(b[`${kind}_greeting_id`]),
          })).filter((g) => g.name !== null),
        })),
        weakCount: boxes.filter((b) => b.pin_weak).length,
        ...extra,
      },
      status,
    );
  };

  const form = async (values: Record<string, unknown>, extra: Record<string, unknown>) => {
    const greetings = await greetingChoices(deps.db);
    // Extensions that could get a box: those without one.
    const free = extra['isNew']
      ? ((await deps
          .db('extensions')
          .leftJoin('voicemail_boxes', 'voicemail_boxes.extension_number', 'extensions.number')
          .whereNull('voicemail_boxes.extension_number')
          .orderBy('extensions.number')
          .select('extensions.number', 'extensions.display_name')) as Array<{
          number: string;
          display_name: string;
        }>)
      : [];
    return {
      title: extra['isNew'] ? 'New voicemail box' : `Voicemail box ${String(values['number'])}`,
      nav: 'voicemail-boxes',
      values,
      extensions: free,
      options: OPTIONS.map((o) => ({ name: o, checked: values[o] === true })),
      greetingFields: GREETING_KINDS.map((kind) => ({
        field: `${kind}_greeting_id`,
        label: GREETING_LABELS[kind],
        choices: greetings.map((g) => ({ ...g, selected: values[`${kind}_greeting_id`] === g.id })),
      })),
      ...extra,
    };
  };

  // :number handlers: anything but an extension number gets the "not found" page.
  const withNumber =
    (handler: (req: Request, res: Response, number: string) => Promise<void>) =>
    async (req: Request, res: Response) => {
      const n = BoxNumber.safeParse(req.params['number']);
      if (!n.success) {
        notFoundPage(req, res, 'such voicemail box');
        return;
      }
      await handler(req, res, n.data);
    };

  // The user's own box: declared before /voicemail-boxes/:number.
  const myPin = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    const number = req.auth?.user.extensionNumber ?? null;
    const hasBox =
      number !== null && (await deps.db('voicemail_boxes').where({ extension_number: number }).first());
    sendPage(
      req,
      res,
      'voicemail-boxes/my-pin',
      { title: 'My voicemail PIN', nav: 'my-pin', number, hasBox: Boolean(hasBox), ...extra },
      status,
    );
  };
  router.get('/voicemail-boxes/my-pin', requirePage('admin', 'user'), async (req, res) => {
    await myPin(req, res);
  });
  router.post('/voicemail-boxes/my-pin', requirePage('admin', 'user'), async (req, res) => {
    const number = req.auth?.user.extensionNumber ?? null;
    if (number === null || !(await deps.db('voicemail_boxes').where({ extension_number: number }).first())) {
      await myPin(req, res, {}, 404);
      return;
    }
    const pin = formString(req.body, 'pin')?.trim() ?? '';
    const confirm = formString(req.body, 'pin_confirm')?.trim() ?? '';
    if (pin !== confirm) {
      await myPin(req, res, { errors: [{ path: 'pin_confirm', message: 'the two PINs differ' }] }, 400);
      return;
    }
    await handleForm(res, {
      run: async () => {
        const input = parse(SetPin, { pin });
        if (input.pin === undefined) throw new Error('unreachable: the form always sends a pin');
        await withTx(deps.db, (tx) => service.setPin(tx, number, input, actor(req)));
      },
      done: () => myPin(req, res, { changed: true }),
      field: 'pin',
      refused: ({ status, errorMessage, errors }) => myPin(req, res, { errorMessage, errors }, status),
    });
  });

  router.get('/voicemail-boxes', admin, async (req, res) => {
    await list(req, res);
  });

  router.get('/voicemail-boxes/new', admin, async (req, res) => {
    const values = { ...boxFromForm({}), attach_audio: true, skip_pin_from_own_phone: true };
    sendPage(
      req,
      res,
      'voicemail-boxes/form',
      await form(values, { isNew: true, action: '/voicemail-boxes' }),
    );
  });

  router.post('/voicemail-boxes', admin, async (req, res) => {
    const raw = { number: formString(req.body, 'number')?.trim() ?? '', ...boxFromForm(req.body) };
    await handleForm(res, {
      run: async () => {
        const input = parseForm(CreateBox, raw);
        const saved = await withTx(deps.db, (tx) => service.create(tx, input, actor(req)));
        await publishAfterSave(deps, saved);
        return saved;
      },
      done: (saved) => list(req, res, { newPin: { number: saved.box.number, pin: saved.pin } }, 201),
      field: 'number',
      refused: async ({ status, errorMessage, errors }) =>
        sendPage(
          req,
          res,
          'voicemail-boxes/form',
          await form(raw, { ...formTarget('/voicemail-boxes', null), errorMessage, errors }),
          status,
        ),
    });
  });

  router.get(
    '/voicemail-boxes/:number/edit',
    admin,
    withNumber(async (req, res, number) => {
      const box = await service.get(deps.db, number).catch(() => null);
      if (!box) {
        notFoundPage(req, res, 'such voicemail box');
        return;
      }
      sendPage(
        req,
        res,
        'voicemail-boxes/form',
        await form({ ...box }, { isNew: false, action: `/voicemail-boxes/${number}` }),
      );
    }),
  );

  router.post(
    '/voicemail-boxes/:number',
    admin,
    withNumber(async (req, res, number) => {
      const raw = boxFromForm(req.body);
      await handleForm(res, {
        run: async () => {
          const input = parseForm(PatchBox, raw);
          const saved = await withTx(deps.db, (tx) => service.patch(tx, number, input, actor(req)));
          await publishAfterSave(deps, saved);
        },
        redirect: '/voicemail-boxes',
        field: 'email',
        refused: async ({ status, errorMessage, errors }) =>
          sendPage(
            req,
            res,
            'voicemail-boxes/form',
            await form(
              { ...raw, number },
              { isNew: false, action: `/voicemail-boxes/${number}`, errorMessage, errors },
            ),
            status,
          ),
      });
    }),
  );

  router.post(
    '/voicemail-boxes/:number/reset-pin',
    admin,
    withNumber(async (req, res, number) => {
      await handleForm(res, {
        run: () => withTx(deps.db, (tx) => service.setPin(tx, number, {}, actor(req))),
        done: ({ pin }) => list(req, res, { newPin: { number, pin } }),
        refused: ({ status, errorMessage }) => list(req, res, { errorMessage }, status),
      });
    }),
  );

  router.post(
    '/voicemail-boxes/:number/delete',
    admin,
    withNumber(async (req, res, number) => {
      await handleForm(res, {
        run: () => withTx(deps.db, (tx) => service.remove(tx, number, actor(req))),
        redirect: '/voicemail-boxes',
        refused: ({ status, errorMessage }) => list(req, res, { errorMessage }, status),
      });
    }),
  );

  return router;
}
