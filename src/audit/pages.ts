import { Router } from 'express';
import type { Deps } from '../deps';
import { ValidationError } from '../http/errors';
import { parse } from '../http/parse';
import { requirePage, sendPage } from '../web/page-helpers';
import { listAudit } from './repo';
import { auditFilter } from './routes';
import { AuditQuery } from './schema';

const FILTERS = ['actor', 'action', 'object_type', 'object_id', 'from', 'to'] as const;

// /audit: the log with the API's filters, newest first, one page at a time. An empty form field
// means "any"; a bad one shows the page with the reason (400) and an empty list.
export function auditPages(deps: Deps): Router {
  const router = Router();
  router.get('/audit', requirePage('admin'), async (req, res) => {
    const raw: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.query)) if (typeof v === 'string' && v.trim() !== '') raw[k] = v;
    const filters = Object.fromEntries(FILTERS.map((k) => [k, raw[k] ?? '']));
    let query: AuditQuery;
    try {
      query = parse(AuditQuery, raw);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const errorMessage = err.details.map((d) => `${d.path}: ${d.message}`).join('; ');
      sendPage(
        req,
        res,
        'audit',
        { title: 'Audit log', nav: 'audit', filters, items: [], errorMessage },
        400,
      );
      return;
    }
    const { items, total } = await listAudit(deps.db, auditFilter(query));
    const link = (page: number) => {
      const q = new URLSearchParams({ ...raw, page: String(page) });
      return `/audit?${q.toString()}`;
    };
    const pages = Math.max(1, Math.ceil(total / query.per_page));
    sendPage(req, res, 'audit', {
      title: 'Audit log',
      nav: 'audit',
      filters,
      total,
      page: query.page,
      pages,
      prev: query.page > 1 ? link(query.page - 1) : null,
      next: query.page < pages ? link(query.page + 1) : null,
      items: items.map((row) => ({
        ...row,
        before: row.before === null ? null : JSON.stringify(row.before, null, 1),
        after: row.after === null ? null : JSON.stringify(row.after, null, 1),
      })),
    });
  });
  return router;
}
