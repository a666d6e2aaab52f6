import { type Request, type Response, Router } from 'express';
import type { Deps } from '../../deps';
import { idParam } from '../../http/parse';
import { byOf } from '../../time-conditions';
import { handleForm } from '../../web/forms';
import { requirePage, sendPage } from '../../web/page-helpers';
import { OPEN_STATUSES } from './schema';
import * as service from './service';

// Supervisors' view: who is waiting to be called back, and what became of the recent ones.
export function queueCallbackPages(deps: Deps): Router {
  const router = Router();
  const allowed = requirePage('admin', 'supervisor');

  const page = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    const all = await service.list(deps.db, { limit: 200 });
    const open = all.filter((c) => OPEN_STATUSES.includes(c.status)).reverse();
    const closed = all.filter((c) => !OPEN_STATUSES.includes(c.status)).slice(0, 50);
    sendPage(
      req,
      res,
      'queues/callbacks',
      {
        title: 'Queue callbacks',
        nav: 'callbacks',
        open: open.map((c) => ({ ...c, cancellable: c.status !== 'connected' })),
        closed,
        ...extra,
      },
      status,
    );
  };

  router.get('/queues/callbacks', allowed, (req, res) => page(req, res));

  router.post('/queues/callbacks/:id/cancel', allowed, async (req, res) => {
    await handleForm(res, {
      run: () => service.cancel(deps.db, deps.ari, idParam(req.params), byOf(req)),
      redirect: '/queues/callbacks',
      refused: ({ status, errorMessage }) => page(req, res, { errorMessage }, status),
    });
  });
  return router;
}
