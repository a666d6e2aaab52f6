import { type Request, type Response, Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { describeDestination } from '../destinations';
import { destinationFormValue, destinationFromForm, destinationOptions } from '../destinations/picker';
import type { ErrorDetail } from '../http/errors';
import { formNumber, formTarget, handleForm, ID_RANGE, parseForm } from '../web/forms';
import { formString, notFoundPage, requirePage, sendPage, withId } from '../web/page-helpers';
import { Announcement } from './schema';
import * as service from './service';

function fromForm(body: unknown): Record<string, unknown> {
  const b = (body ?? {}) as Record<string, unknown>;
  return {
    name: formString(b, 'name') ?? '',
    greeting_id: formNumber(b, 'greeting_id', ID_RANGE),
    destination: destinationFromForm(b, 'destination'),
  };
}

const formErrors = (details: ErrorDetail[]) =>
  details.map((d) => (d.path.startsWith('destination') ? { path: 'destination', message: d.message } : d));

export function announcementPages(deps: Deps): Router {
  const router = Router();
  const admin = requirePage('admin');
  const actor = (req: Request) => actorFor(deps, actorName(req));
  const greetingChoices = async () =>
    (await deps.db('greetings').orderBy('name').select('id', 'name')) as Array<{ id: number; name: string }>;

  const list = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    const [items, greetings] = await Promise.all([service.listAnnouncements(deps.db), greetingChoices()]);
    sendPage(
      req,
      res,
      'announcements/list',
      {
        title: 'Announcements',
        nav: 'announcements',
        items: items.map((a) => ({
          id: a.id,
          name: a.name,
          greeting: greetings.find((g) => g.id === a.greetingId)?.name ?? '',
          destination: describeDestination(a.destination),
        })),
        ...extra,
      },
      status,
    );
  };

  const form = async (values: Record<string, unknown>, extra: Record<string, unknown>) => {
    const dest = values['destination'] as { type: string; target: string } | undefined;
    return {
      title: extra['isNew'] ? 'New announcement' : `Announcement ${String(values['name'])}`,
      nav: 'announcements',
      greetings: await greetingChoices(),
      destinationGroups: await destinationOptions(deps.db),
      destinationValue: destinationFormValue(dest?.type ? dest : null),
      values,
      ...extra,
    };
  };

  router.get('/announcements', requirePage('admin', 'supervisor'), async (req, res) => {
    await list(req, res);
  });

  router.get('/announcements/new', admin, async (req, res) => {
    sendPage(req, res, 'announcements/form', await form({}, { isNew: true, action: '/announcements' }));
  });

  const save = async (req: Request, res: Response, id: number | null) => {
    const raw = fromForm(req.body);
    await handleForm(res, {
      run: async () => {
        const input = parseForm(Announcement, raw);
        await withTx(deps.db, (tx) => service.saveAnnouncement(tx, id, input, actor(req)));
      },
      redirect: '/announcements',
      fields: formErrors,
      field: 'name',
      refused: async ({ status, errorMessage, errors }) =>
        sendPage(
          req,
          res,
          'announcements/form',
          await form(raw, { ...formTarget('/announcements', id), errorMessage, errors }),
          status,
        ),
    });
  };

  router.post('/announcements', admin, (req, res) => save(req, res, null));

  router.get(
    '/announcements/:id/edit',
    admin,
    withId('such announcement', async (req, res, id) => {
      const [found] = await service.listAnnouncements(deps.db, [id]);
      if (!found) {
        notFoundPage(req, res, 'such announcement');
        return;
      }
      sendPage(
        req,
        res,
        'announcements/form',
        await form(service.announcementToApi(found), {
          isNew: false,
          id: found.id,
          action: `/announcements/${found.id}`,
        }),
      );
    }),
  );

  router.post(
    '/announcements/:id',
    admin,
    withId('such announcement', async (req, res, id) => {
      await save(req, res, id);
    }),
  );

  router.post(
    '/announcements/:id/delete',
    admin,
    withId('such announcement', async (req, res, id) => {
      await handleForm(res, {
        run: () => withTx(deps.db, (tx) => service.removeAnnouncement(tx, id, actor(req))),
        redirect: '/announcements',
        refused: ({ status, errorMessage }) => list(req, res, { errorMessage }, status),
      });
    }),
  );

  return router;
}
