import { Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import type { Deps } from '../deps';
import { notFoundPage, refusal, requirePage, sendPage, withId } from '../web/page-helpers';
import { liftBan, listBans } from './service';

// SIP bans page (/security/bans): who is refused at the SIP edge, why and until when.
export function securityPages(deps: Deps): Router {
  const router = Router();
  const admin = requirePage('admin');
  router.get('/security/bans', admin, async (req, res) => {
    const bans = await listBans(deps.db, 200);
    const { failures, windowSeconds, banSeconds, allowlist } = deps.config.sipBans;
    sendPage(req, res, 'security/bans', {
      title: 'SIP bans',
      nav: 'sip-bans',
      bans,
      active: bans.filter((b) => b.active).length,
      policy: { failures, windowSeconds, banSeconds, allowlist: allowlist.join(', ') },
    });
  });
  router.post(
    '/security/bans/:id/lift',
    admin,
    withId('such active ban', async (req, res, id) => {
      try {
        await liftBan(deps.db, id, actorFor(deps, actorName(req)));
      } catch (caught) {
        if (refusal(caught).status === 404) return notFoundPage(req, res, 'such active ban');
      }
      res.redirect(303, '/security/bans');
    }),
  );
  return router;
}
