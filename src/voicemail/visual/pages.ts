import { type Request, type Response, Router } from 'express';
import type { Deps } from '../../deps';
import { AppError } from '../../http/errors';
import { requirePage, sendPage } from '../../web/page-helpers';
import { listBoxes } from '../boxes';
import { visualDeps } from './routes';
import { BoxMessagesParams, MessageParams } from './schema';
import { assertBoxAccess, heard, listMessages, remove } from './service';

const duration = (s: number) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;

// /voicemail: a user's own box; admins pick any box (?box=). Read from the spool on each load.
export function visualVoicemailPages(deps: Deps): Router {
  const router = Router();
  const vdeps = visualDeps(deps);
  const page = requirePage('admin', 'user');

  const render = async (req: Request, res: Response, status = 200, extra: Record<string, unknown> = {}) => {
    const user = req.auth?.user;
    const isAdmin = user?.role === 'admin';
    const boxes = isAdmin
      ? (await listBoxes(deps.db)).map((b) => ({ number: b.extension_number, name: b.display_name }))
      : [];
    const asked = typeof req.query['box'] === 'string' ? req.query['box'] : undefined;
    const number = isAdmin ? (asked ?? boxes[0]?.number) : (user?.extensionNumber ?? undefined);
    const base = { title: 'Voicemail', nav: 'voicemail', isAdmin, boxes, selected: number ?? null, ...extra };
    if (!number || !BoxMessagesParams.safeParse({ number }).success) {
      sendPage(
        req,
        res,
        'voicemail/index',
        {
          ...base,
          box: null,
          reason: isAdmin
            ? 'There is no voicemail box yet.'
            : 'Your user has no extension, so no voicemail box.',
        },
        status,
      );
      return;
    }
    try {
      assertBoxAccess(user, number);
      const box = await listMessages(vdeps, number);
      const items = box.items.map((m) => ({ ...m, length: duration(m.duration_seconds) }));
      sendPage(
        req,
        res,
        'voicemail/index',
        {
          ...base,
          box,
          newItems: items.filter((m) => m.new),
          oldItems: items.filter((m) => !m.new),
        },
        status,
      );
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      sendPage(req, res, 'voicemail/index', { ...base, box: null, reason: err.message }, err.status);
    }
  };

  router.get('/voicemail', page, async (req, res) => {
    await render(req, res);
  });

  const action =
    (fn: (number: string, msgId: string) => Promise<unknown>, done: string) =>
    async (req: Request, res: Response) => {
      const p = MessageParams.safeParse({ number: req.params['number'], msgId: req.params['msgId'] });
      if (!p.success) {
        await render(req, res, 400, { errorMessage: 'That is not a voicemail message.' });
        return;
      }
      try {
        assertBoxAccess(req.auth?.user, p.data.number);
        await fn(p.data.number, p.data.msgId);
        const query =
          req.auth?.user.role === 'admin' ? `?box=${p.data.number}&done=${done}` : `?done=${done}`;
        res.redirect(303, `/voicemail${query}`);
      } catch (err) {
        if (!(err instanceof AppError) || err.status >= 500) throw err;
        await render(req, res, err.status, { errorMessage: err.message });
      }
    };

  router.post(
    '/voicemail/:number/messages/:msgId/heard',
    page,
    action((n, id) => heard(vdeps, n, id), 'heard'),
  );
  router.post(
    '/voicemail/:number/messages/:msgId/delete',
    page,
    action((n, id) => remove(vdeps, n, id), 'deleted'),
  );
  return router;
}
