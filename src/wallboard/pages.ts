import { type Request, type Response, Router } from 'express';
import { actorName } from '../auth/middleware';
import type { Deps } from '../deps';
import { parse } from '../http/parse';
import { handleForm, withFirstDetail } from '../web/forms';
import { formString, notFoundPage, refusal, requirePage, sendPage, withId } from '../web/page-helpers';
import { renderPage } from '../web/views';
import { kioskFrom } from './access';
import {
  type CreatedKioskToken,
  createKioskToken,
  KioskTokenInput,
  listKioskTokens,
  revokeKioskToken,
} from './kiosk';
import { hubFor } from './runtime';

// Wallboard page (/wallboard), also reachable with a kiosk token; kiosk links (/wallboard/kiosk)
// for admins. The page itself is a frame: /static/wallboard.js fills it from the event stream.
export function wallboardPages(deps: Deps): Router {
  const router = Router();
  const hub = hubFor(deps);
  const viewers = requirePage('admin', 'supervisor');
  const admins = requirePage('admin');

  // The kiosk check runs before requirePage: a wall screen has no session to be redirected with.
  router.get('/wallboard', async (req, res) => {
    const kiosk = await kioskFrom(deps.db, req);
    if (kiosk === 'invalid') {
      sendPage(
        req,
        res,
        'error',
        {
          title: 'Kiosk link not valid',
          heading: 'This kiosk link does not work',
          message: 'The link is not valid or was revoked. Ask an administrator for a new one.',
        },
        401,
      );
      return;
    }
    if (kiosk) {
      // Only the wallboard renders for a kiosk: no user, no navigation, no forms.
      res.set('cache-control', 'no-store');
      res.status(200).type('html').send(renderKiosk(kiosk.name));
      return;
    }
    viewers(req, res, () => {
      sendPage(req, res, 'wallboard/index', {
        title: 'Wallboard',
        nav: 'wallboard',
        isAdmin: req.auth?.user.role === 'admin',
      });
    });
  });

  const kioskPage = async (
    req: Request,
    res: Response,
    extra: { created?: CreatedKioskToken; errorMessage?: string; name?: string } = {},
    status = 200,
  ) => {
    const tokens = await listKioskTokens(deps.db);
    const origin = `${req.protocol}://${req.get('host') ?? 'localhost'}`;
    sendPage(
      req,
      res,
      'wallboard/kiosk',
      {
        title: 'Kiosk links',
        nav: 'wallboard',
        tokens,
        active: tokens.filter((t) => !t.revoked_at).length,
        createdUrl: extra.created ? origin + extra.created.url : null,
        ...extra,
      },
      status,
    );
  };

  router.get('/wallboard/kiosk', admins, async (req, res) => {
    res.set('cache-control', 'no-store');
    await kioskPage(req, res);
  });

  router.post('/wallboard/kiosk', admins, async (req, res) => {
    const name = formString(req.body, 'name') ?? '';
    await handleForm(res, {
      run: () => createKioskToken(deps.db, parse(KioskTokenInput, { name }), actorName(req)),
      done: async (created) => {
        res.set('cache-control', 'no-store');
        await kioskPage(req, res, { created }, 201);
      },
      refused: (r) => kioskPage(req, res, { errorMessage: withFirstDetail(r), name }, r.status),
    });
  });

  router.post(
    '/wallboard/kiosk/:id/revoke',
    admins,
    withId('such kiosk link', async (req, res, id) => {
      try {
        await revokeKioskToken(deps.db, id);
      } catch (caught) {
        if (refusal(caught).status === 404) return notFoundPage(req, res, 'such kiosk link');
      }
      hub.endKiosk(id);
      res.redirect(303, '/wallboard/kiosk');
    }),
  );
  return router;
}

// The page as a kiosk sees it: the layout with no user (so no navigation and no forms), even
// when the browser also holds a session.
function renderKiosk(kioskName: string): string {
  return renderPage('wallboard/index', { title: 'Wallboard', kioskName, user: null, csrfToken: null });
}
