import { type Request, Router } from 'express';
import type { Deps } from '../deps';
import { AppError } from '../http/errors';
import { parse } from '../http/parse';
import { requirePage, sendPage, withId } from '../web/page-helpers';
import { CallListQuery } from './schema';
import { callDetail, DEFAULT_PAGE_SIZE, type JourneyApi, searchCalls } from './service';
import { DIRECTIONS, OUTCOMES, type Outcome } from './types';

// How each outcome looks in the list: green when a person answered, red when the caller was
// not served, grey when the call ended somewhere useful without a person (voicemail, callback).
const OUTCOME_STYLE: Record<Outcome, string> = {
  answered: 'status-succeeded',
  missed: 'status-failed',
  abandoned: 'status-failed',
  busy: 'status-failed',
  failed: 'status-failed',
  voicemail: 'status-unchanged',
  callback: 'status-unchanged',
};

const FILTER_KEYS = ['from', 'to', 'number', 'extension', 'queue', 'direction', 'outcome', 'did'] as const;

const seconds = (s: number) =>
  s >= 60 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${Math.round(s)} s`;

function row(j: JourneyApi) {
  return {
    ...j,
    outcomeClass: OUTCOME_STYLE[j.outcome as Outcome] ?? 'status-unchanged',
    talk: seconds(j.talk_seconds),
    wait: seconds(j.wait_seconds),
    duration: seconds(j.duration_seconds),
  };
}

// The filters as typed, kept for the form and the links (page, CSV), but only those that are
// plain strings: repeated parameters arrive as arrays and are refused by the schema anyway.
function typedFilters(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of FILTER_KEYS) {
    const v = req.query[k];
    if (typeof v === 'string' && v !== '') out[k] = v;
  }
  return out;
}

// Call log pages (/calls): searchable journeys, one journey's path.
export function callLogPages(deps: Deps): Router {
  const router = Router();
  const anyone = requirePage('admin', 'supervisor', 'user');

  router.get('/calls', anyone, async (req, res) => {
    const user = req.auth!.user;
    const typed = typedFilters(req);
    const base = {
      title: user.role === 'user' ? 'My calls' : 'Call log',
      nav: 'calls',
      filters: typed,
      directions: DIRECTIONS,
      outcomes: OUTCOMES,
      ownOnly: user.role === 'user',
    };
    let query: ReturnType<typeof CallListQuery.parse>;
    try {
      query = parse(CallListQuery, req.query);
    } catch (err) {
      if (!(err instanceof AppError) || err.status !== 400) throw err;
      sendPage(req, res, 'calls/list', { ...base, errors: err.details ?? [], rows: [], total: 0 }, 400);
      return;
    }
    const { page, limit, ...filters } = query;
    const result = await searchCalls(deps.db, user, filters, { page, limit });
    const qs = (extra: Record<string, string>) => new URLSearchParams({ ...typed, ...extra }).toString();
    const pageSize = limit ?? DEFAULT_PAGE_SIZE;
    const lastPage = Math.max(1, Math.ceil(result.total / pageSize));
    const pageParams = (n: number) => ({ page: String(n), ...(limit ? { limit: String(limit) } : {}) });
    sendPage(req, res, 'calls/list', {
      ...base,
      errors: [],
      rows: result.items.map(row),
      total: result.total,
      page: result.page,
      lastPage,
      prevHref: result.page > 1 ? `/calls?${qs(pageParams(result.page - 1))}` : null,
      nextHref: result.page < lastPage ? `/calls?${qs(pageParams(result.page + 1))}` : null,
      csvHref: `/api/v1/calls/export.csv?${qs({})}`,
    });
  });

  router.get(
    '/calls/:id',
    anyone,
    withId('call', async (req, res, id) => {
      try {
        const j = await callDetail(deps.db, req.auth!.user, id);
        sendPage(req, res, 'calls/detail', {
          title: `Call ${j.id}`,
          nav: 'calls',
          call: row(j),
          steps: j.steps,
          parties: j.parties,
          recordings: j.recordings,
        });
      } catch (err) {
        if (!(err instanceof AppError) || (err.status !== 404 && err.status !== 403)) throw err;
        const forbidden = err.status === 403;
        sendPage(
          req,
          res,
          'error',
          {
            title: forbidden ? 'Forbidden' : 'Not found',
            heading: forbidden ? 'Not allowed' : 'Not found',
            message: forbidden ? 'This call did not involve your extension.' : 'There is no such call.',
          },
          err.status,
        );
      }
    }),
  );
  return router;
}
