import { type Request, type Response, Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { parse } from '../http/parse';
import { handleForm } from '../web/forms';
import { formString, requirePage, sendPage } from '../web/page-helpers';
import { FEATURE_CODE_CATALOG } from './catalog';
import { PutFeatureCodes } from './schema';
import * as service from './service';

// One form for the whole catalog: a code field and an "enabled" box per feature.
export function featureCodePages(deps: Deps): Router {
  const router = Router();
  const admin = requirePage('admin');

  const show = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    const items = (extra['items'] as unknown[] | undefined) ?? (await service.list(deps.db));
    const flash = req.query['saved'] === '1' && status === 200 ? 'Feature codes saved.' : undefined;
    sendPage(
      req,
      res,
      'feature-codes/list',
      { title: 'Feature codes', nav: 'feature-codes', flash, ...extra, items },
      status,
    );
  };

  router.get('/feature-codes', admin, (req, res) => show(req, res));

  router.post('/feature-codes', admin, async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const raw = {
      items: FEATURE_CODE_CATALOG.map((e) => ({
        key: e.key,
        code: (formString(body, `code_${e.key}`) ?? '').trim(),
        enabled: formString(body, `enabled_${e.key}`) === 'on',
      })),
    };
    await handleForm(res, {
      run: async () => {
        const input = parse(PutFeatureCodes, raw);
        await withTx(deps.db, (tx) => service.put(tx, input, actorFor(deps, actorName(req))));
      },
      redirect: '/feature-codes?saved=1',
      // items.3.code → the key of row 3, so the message sits beside its field.
      fields: (details) =>
        details.map((d) => {
          const m = /^items\.([0-9]+)/.exec(d.path);
          return m ? { path: raw.items[Number(m[1])]?.key ?? d.path, message: d.message } : d;
        }),
      refused: async ({ status, errorMessage, errors }) => {
        const current = await service.list(deps.db);
        const items = current.map((c, i) => ({
          ...c,
          code: raw.items[i]!.code,
          enabled: raw.items[i]!.enabled,
        }));
        await show(req, res, { items, errors, errorMessage }, status);
      },
    });
  });

  return router;
}
