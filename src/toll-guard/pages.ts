import { type Request, type Response, Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { handleForm, numberFrom, parseForm } from '../web/forms';
import { formString, requirePage, sendPage } from '../web/page-helpers';
import * as repo from './repo';
import { ExtensionParam, ExtensionTollLimits, TollSettings, TrunkParam, TrunkTollLimits } from './schema';
import * as service from './service';

// "Spend guard" (/toll-guard, admins): the alert address, each trunk's international limits and
// the recent alerts. An extension's own limits and permission are a card of its call-forwarding
// page (/extensions/<n>/call-forwarding), posted here.
const LIMIT = { min: 1, max: 10_000 };

// An empty field is "no limit" (null); anything else goes through the API's schema.
const limitFrom = (body: unknown, key: string) => numberFrom(formString(body, key), key, LIMIT) ?? null;

export function tollGuardPages(deps: Deps): Router {
  const router = Router();
  const admin = requirePage('admin');
  const actor = (req: Request) => actorFor(deps, actorName(req));

  const show = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    const trunks = (await deps.db('trunks').orderBy('name').select('id', 'name')) as Array<{
      id: number;
      name: string;
    }>;
    const limits = await Promise.all(trunks.map((t) => service.getTrunkLimits(deps.db, t.id)));
    const alerts = await repo.listAlerts(deps.db, 50);
    sendPage(
      req,
      res,
      'toll-guard/index',
      {
        title: 'Spend guard',
        nav: 'toll-guard',
        alertEmail: await repo.alertEmail(deps.db),
        trunks: limits,
        alerts: alerts.map((a) => ({ ...a, created_at: new Date(a.created_at).toISOString() })),
        flash:
          req.query['saved'] === '1' && status === 200 ? 'Saved: in force from the next call.' : undefined,
        ...extra,
      },
      status,
    );
  };
  const refused =
    (req: Request, res: Response) =>
    ({ status, errorMessage }: { status: number; errorMessage: string }) =>
      show(req, res, { errorMessage }, status);

  router.get('/toll-guard', admin, (req, res) => show(req, res));

  router.post('/toll-guard/settings', admin, async (req, res) => {
    const email = (formString(req.body, 'alert_email') ?? '').trim();
    await handleForm(res, {
      run: async () =>
        repo.saveAlertEmail(deps.db, parseForm(TollSettings, { alert_email: email || null }).alert_email),
      redirect: '/toll-guard?saved=1',
      refused: refused(req, res),
    });
  });

  router.post('/toll-guard/trunks/:id', admin, async (req, res) => {
    await handleForm(res, {
      run: async () => {
        const { id } = parseForm(TrunkParam, { id: req.params['id'] });
        const input = parseForm(TrunkTollLimits, {
          international: {
            max_concurrent: limitFrom(req.body, 'max_concurrent'),
            max_daily: limitFrom(req.body, 'max_daily'),
          },
        });
        await withTx(deps.db, (tx) => service.saveTrunkLimits(tx, id, input, actor(req)));
      },
      redirect: '/toll-guard?saved=1',
      refused: refused(req, res),
    });
  });

  // From the extension's call-forwarding page; back there, or to an error page on a refusal.
  router.post('/toll-guard/extensions/:number', admin, async (req, res) => {
    const back = `/extensions/${encodeURIComponent(String(req.params['number'] ?? ''))}/call-forwarding`;
    await handleForm(res, {
      run: async () => {
        const { number } = parseForm(ExtensionParam, { number: req.params['number'] });
        const input = parseForm(ExtensionTollLimits, {
          may_forward_externally: formString(req.body, 'may_forward_externally') === 'on',
          forward_max_concurrent: numberFrom(
            formString(req.body, 'forward_max_concurrent'),
            'forward_max_concurrent',
            {
              min: 1,
              max: 100,
            },
          ),
          international: {
            max_concurrent: limitFrom(req.body, 'max_concurrent'),
            max_daily: limitFrom(req.body, 'max_daily'),
          },
        });
        await withTx(deps.db, (tx) => service.saveExtensionLimits(tx, number, input, actor(req)));
      },
      redirect: `${back}?saved=1`,
      refused: async ({ status, errorMessage }) =>
        sendPage(
          req,
          res,
          'error',
          { title: 'Not saved', heading: 'Toll limits not saved', message: errorMessage },
          status,
        ),
    });
  });
  return router;
}
