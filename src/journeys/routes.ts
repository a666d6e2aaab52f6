import type { Request, Router } from 'express';
import type { Deps } from '../deps';
import { ALL_ROLES, apiRouter } from '../http/api';
import { UnauthenticatedError } from '../http/errors';
import { idParam } from '../http/parse';
import { csvHeader, csvRow } from './csv';
import { eachJourney } from './repo';
import { CallExportQuery, CallListQuery } from './schema';
import { callDetail, journeyToApi, scopeFor, searchCalls } from './service';

// Call log API (/api/v1/calls): journeys with filters, one journey, CSV export.
export function callLogRoutes(deps: Deps): Router {
  const api = apiRouter(deps, '/api/v1/calls');
  const userOf = (req: Request) => {
    if (!req.auth) throw new UnauthenticatedError();
    return req.auth.user;
  };

  api.op(
    {
      method: 'get',
      path: '/',
      summary:
        'Call log, newest first: filters from/to (ISO 8601, on the start time), number (part of the caller or called number), extension (a party), queue, direction, outcome, did; page and limit (1-200). A user sees only calls of their own extension.',
      roles: ALL_ROLES,
      query: CallListQuery,
    },
    async ({ req, query }) => {
      const { page, limit, ...filters } = query;
      return searchCalls(deps.db, userOf(req), filters, { page, limit });
    },
  );
  api.op(
    {
      method: 'get',
      path: '/export.csv',
      summary:
        'The call log as CSV (text/csv, a header row, newest first), with the same filters as the list and no page limit; cells that could be read as a spreadsheet formula are prefixed with a quote',
      roles: ALL_ROLES,
      query: CallExportQuery,
    },
    async ({ req, res, query }) => {
      const scope = scopeFor(userOf(req));
      res.status(200);
      res.type('text/csv; charset=utf-8');
      res.setHeader('content-disposition', 'attachment; filename="calls.csv"');
      res.write(csvHeader());
      for await (const row of eachJourney(deps.db, query, scope)) {
        if (!res.write(csvRow(journeyToApi(row)))) await new Promise((r) => res.once('drain', r));
      }
      res.end();
      return undefined;
    },
  );
  api.op(
    {
      method: 'get',
      path: '/:id',
      summary:
        "One call's journey: its steps in order (route, IVR keys, queue, ringing, answer, transfers, voicemail, hangup), the extensions involved and its recordings (audio at /api/v1/recordings/<id>/audio)",
      roles: ALL_ROLES,
    },
    async ({ req, params }) => callDetail(deps.db, userOf(req), idParam(params)),
  );
  return api.router;
}
