import { type Request, type RequestHandler, type Response, Router } from 'express';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { ForbiddenError, NotFoundError } from '../http/errors';
import { parse } from '../http/parse';
import { getExtensionLimits } from '../toll-guard';
import { handleForm } from '../web/forms';
import { formString, notFoundPage, requirePage, type ShowPageOf, sendPage } from '../web/page-helpers';
import { assertOwnerOrAdmin } from './routes';
import { astdbFor } from './runtime';
import { BlockCaller, BlockedParams, ExtensionNumber, PutCallHandling } from './schema';
import * as service from './service';

// "Call forwarding": a user's own page (/call-forwarding) and, for admins, one per extension
// (/extensions/<number>/call-forwarding). Same form, same rules as the API.
export function callHandlingPages(deps: Deps): Router {
  const router = Router();
  const astdb = astdbFor(deps);
  const mirror = (number: string) => service.mirror(deps.db, astdb, deps.log, number);
  const base = (number: string, req: Request) =>
    req.auth?.user.role === 'admin' ? `/extensions/${number}/call-forwarding` : '/call-forwarding';

  const show: ShowPageOf<string> = async (req, res, number, extra = {}, status = 200) => {
    const [handling, blocked, tollLimits] = await Promise.all([
      service.get(deps.db, number),
      service.listBlocked(deps.db, number),
      getExtensionLimits(deps.db, number),
    ]);
    sendPage(
      req,
      res,
      'call-handling/form',
      {
        title: `Call forwarding · ${number}`,
        nav: req.auth?.user.role === 'admin' ? 'extensions' : 'call-forwarding',
        number,
        action: base(number, req),
        values: handling,
        blocked,
        tollLimits,
        isAdmin: req.auth?.user.role === 'admin',
        flash:
          req.query['saved'] === '1' && status === 200 ? 'Saved: in force from the next call.' : undefined,
        ...extra,
      },
      status,
    );
  };

  // The extension a page is about: the user's own, or the one in the path for an admin.
  const target = (req: Request, res: Response): string | null => {
    const raw = req.params['number'] ?? req.auth?.user.extensionNumber ?? '';
    const parsed = ExtensionNumber.safeParse(raw);
    if (!parsed.success) {
      notFoundPage(req, res, 'such extension');
      return null;
    }
    assertOwnerOrAdmin(req, parsed.data);
    return parsed.data;
  };

  const handle =
    (fn: (req: Request, res: Response, number: string) => Promise<void>) =>
    async (req: Request, res: Response) => {
      let number: string | null;
      try {
        number = target(req, res);
      } catch (err) {
        if (!(err instanceof ForbiddenError)) throw err;
        sendPage(
          req,
          res,
          'error',
          { title: 'Forbidden', heading: 'Not allowed', message: err.message },
          403,
        );
        return;
      }
      if (number === null) return;
      try {
        await fn(req, res, number);
      } catch (err) {
        if (err instanceof NotFoundError && !res.headersSent) notFoundPage(req, res, `extension ${number}`);
        else throw err;
      }
    };

  // Every change: mirrored to Asterisk, then back to the form with "saved", or the form again.
  const change = (req: Request, res: Response, number: string, run: () => Promise<void>, values?: unknown) =>
    handleForm(res, {
      run: async () => {
        await run();
        await mirror(number);
      },
      redirect: `${base(number, req)}?saved=1`,
      field: 'form',
      refused: ({ status, errors, errorMessage }) =>
        show(req, res, number, { errors, errorMessage, ...(values ? { values } : {}) }, status),
    });

  const save = handle(async (req, res, number) => {
    const body = req.body as Record<string, unknown>;
    const field = (k: string) => {
      const v = (formString(body, k) ?? '').trim();
      return v === '' ? null : v;
    };
    const raw = {
      dnd: formString(body, 'dnd') === 'on',
      forward: { always: field('always'), busy: field('busy'), noAnswer: field('noAnswer') },
    };
    await change(
      req,
      res,
      number,
      async () => {
        const input = parse(PutCallHandling, raw);
        await withTx(deps.db, (tx) => service.put(tx, number, input));
      },
      { extension: number, ...raw },
    );
  });

  const block = handle(async (req, res, number) => {
    await change(req, res, number, async () => {
      const input = parse(BlockCaller, { number: (formString(req.body, 'caller') ?? '').trim() });
      await withTx(deps.db, (tx) => service.block(tx, number, input.number));
    });
  });

  const unblock = handle(async (req, res, number) => {
    await change(req, res, number, async () => {
      const { caller } = parse(BlockedParams, { number, caller: formString(req.body, 'caller') ?? '' });
      await withTx(deps.db, (tx) => service.unblock(tx, number, caller));
    });
  });

  // The same page twice: a user's own extension's, and any extension's for an admin.
  const places: Array<[string, RequestHandler]> = [
    ['/call-forwarding', requirePage('user', 'admin')],
    ['/extensions/:number/call-forwarding', requirePage('admin')],
  ];
  for (const [path, guard] of places) {
    router.get(
      path,
      guard,
      handle((req, res, n) => show(req, res, n)),
    );
    router.post(path, guard, save);
    router.post(`${path}/blocked`, guard, block);
    router.post(`${path}/unblock`, guard, unblock);
  }
  return router;
}
