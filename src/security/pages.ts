import { type Request, type Response, Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import type { Deps } from '../deps';
import { parse } from '../http/parse';
import { handleForm, withFirstDetail } from '../web/forms';
import { formString, notFoundPage, refusal, requirePage, sendPage, withId } from '../web/page-helpers';
import { AllowEntry } from './schema';
import { addAllowed, liftBan, listAllowlist, listBans, listTrunkAddresses, removeAllowed } from './service';
import { trunkAddressBook } from './trunk-addresses';

// SIP bans page (/security/bans): who is refused at the SIP edge, why and until when.
export function securityPages(deps: Deps): Router {
  const router = Router();
  const admin = requirePage('admin');
  const page = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    const bans = await listBans(deps.db, 200);
    const { failures, windowSeconds, banSeconds, allowlist } = deps.config.sipBans;
    sendPage(
      req,
      res,
      'security/bans',
      {
        title: 'SIP bans',
        nav: 'sip-bans',
        bans,
        active: bans.filter((b) => b.active).length,
        allowed: (await listAllowlist(deps.db, allowlist)).items,
        trunkPeers: await listTrunkAddresses(deps.db, trunkAddressBook(deps.db)),
        policy: { failures, windowSeconds, banSeconds, allowlist: allowlist.join(', ') },
        ...extra,
      },
      status,
    );
  };
  router.get('/security/bans', admin, (req, res) => page(req, res));
  router.post('/security/allowlist', admin, async (req, res) => {
    const values = { cidr: formString(req.body, 'cidr') ?? '', note: formString(req.body, 'note') || null };
    await handleForm(res, {
      run: () => addAllowed(deps.db, parse(AllowEntry, values), actorFor(deps, actorName(req))),
      done: () => res.redirect(303, '/security/bans'),
      refused: (r) => page(req, res, { errorMessage: withFirstDetail(r), values }, r.status),
    });
  });
  router.post(
    '/security/allowlist/:id/remove',
    admin,
    withId('such allowlist entry', async (req, res, id) => {
      try {
        await removeAllowed(deps.db, id);
      } catch (caught) {
        if (refusal(caught).status === 404) return notFoundPage(req, res, 'such allowlist entry');
      }
      res.redirect(303, '/security/bans');
    }),
  );
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
