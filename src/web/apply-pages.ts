import { Router } from 'express';
import { listRevisions } from '../apply/revisions.repo';
import { actorName } from '../auth/middleware';
import type { Deps } from '../deps';
import { requirePage, sendPage } from './page-helpers';

export function applyPages(deps: Deps): Router {
  const router = Router();
  router.get('/apply', requirePage('admin', 'supervisor'), async (req, res) => {
    sendPage(req, res, 'apply', {
      title: 'Apply history',
      nav: 'apply',
      revisions: await listRevisions(deps.db, 50),
    });
  });
  router.post('/apply', requirePage('admin'), async (req, res) => {
    await deps.applyQueue.requestAndFollow({ by: actorName(req), reason: 'forced apply' });
    res.redirect(303, '/apply');
  });
  return router;
}
