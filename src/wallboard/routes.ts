import { Router } from 'express';
import { actorName } from '../auth/middleware';
import type { Deps } from '../deps';
import { ADMIN, ADMIN_SUPERVISOR, ApiRouter } from '../http/api';
import { AppError } from '../http/errors';
import { idParam } from '../http/parse';
import { type KioskViewer, kioskOrRole } from './access';
import { createKioskToken, KioskTokenInput, listKioskTokens, revokeKioskToken } from './kiosk';
import { hubFor } from './runtime';

// A wall screen needs one stream; a few allow for a reload racing the old connection's close.
const MAX_STREAMS_PER_KIOSK = 3;

// Wallboard API: the live snapshot and its event stream (SSE), kiosk tokens.
export function wallboardRoutes(deps: Deps): Router {
  const router = Router();
  const hub = hubFor(deps);
  const viewers = kioskOrRole(deps.db, 'admin', 'supervisor');
  const base = '/api/v1/wallboard';

  deps.openapi.add({
    method: 'get',
    path: base,
    summary:
      'The wallboard now: queues (waiting, longest wait, agents, today) and calls in progress. Also with ?kiosk=<kiosk token>',
    roles: ADMIN_SUPERVISOR,
    status: 200,
  });
  router.get('/', viewers, async (_req, res) => {
    res.set('cache-control', 'no-store').json(await hub.snapshot());
  });

  deps.openapi.add({
    method: 'get',
    path: `${base}/events`,
    summary: `Server-sent events: a "snapshot" event on connect and on every change, a comment every 15 s. Also with ?kiosk=<kiosk token> (at most ${MAX_STREAMS_PER_KIOSK} streams per token, then 429); 503 when too many streams are open`,
    roles: ADMIN_SUPERVISOR,
    status: 200,
  });
  router.get('/events', viewers, (req, res, next) => {
    if (hub.full) return next(new AppError(503, 'too_many_streams', 'too many wallboard streams are open'));
    const kioskId = (res.locals['kiosk'] as KioskViewer | undefined)?.id ?? null;
    if (kioskId !== null && hub.kioskStreams(kioskId) >= MAX_STREAMS_PER_KIOSK) {
      return next(
        new AppError(
          429,
          'too_many_streams',
          `a kiosk token may hold at most ${MAX_STREAMS_PER_KIOSK} streams`,
        ),
      );
    }
    hub.open(req, res, kioskId);
  });

  const api = new ApiRouter(router, base, deps.openapi);
  api.op(
    {
      method: 'get',
      path: '/kiosk-tokens',
      summary: 'Kiosk tokens (never the tokens themselves)',
      roles: ADMIN,
    },
    async () => ({
      items: await listKioskTokens(deps.db),
    }),
  );
  api.op(
    {
      method: 'post',
      path: '/kiosk-tokens',
      summary: 'Create a kiosk token: the answer carries the token and its wallboard URL, once',
      roles: ADMIN,
      body: KioskTokenInput,
      status: 201,
    },
    async ({ req, body }) => createKioskToken(deps.db, body, actorName(req)),
  );
  api.op(
    {
      method: 'delete',
      path: '/kiosk-tokens/:id',
      summary: 'Revoke a kiosk token (its screens stop at once)',
      roles: ADMIN,
      status: 204,
    },
    async ({ params }) => {
      const id = idParam(params);
      await revokeKioskToken(deps.db, id);
      hub.endKiosk(id);
      return undefined;
    },
  );
  return router;
}
