import type { Request, Router } from 'express';
import type { z } from 'zod';
import { actorName } from '../../auth/middleware';
import type { Deps } from '../../deps';
import { ALL_ROLES, apiRouter } from '../../http/api';
import { ForbiddenError } from '../../http/errors';
import { parse } from '../../http/parse';
import { agentsFor } from '.';
import { liveFor, queueLive } from './live';
import { AgentParams, PauseInput, QueueParams } from './schema';

// A user (role user) acts only as the agent of their own extension; supervisors and admins act
// for anyone.
export function assertMayActFor(req: Request, ext: string): void {
  const user = req.auth?.user;
  if (user?.role === 'admin' || user?.role === 'supervisor') return;
  if (user?.role === 'user' && user.extensionNumber === ext) return;
  throw new ForbiddenError('a user may log in, log out or pause only their own extension');
}

export function queueAgentRoutes(deps: Deps): Router {
  const api = apiRouter(deps, '/api/v1/queues');
  const agents = agentsFor(deps);
  const target = (req: Request) => {
    const p = parse(AgentParams, { number: req.params['number'], ext: req.params['ext'] });
    assertMayActFor(req, p.ext);
    return p;
  };

  api.op(
    {
      method: 'get',
      path: '/:number/live',
      summary:
        "A queue's members with their live state, and the callers waiting (for a user: only in the queues their extension is an agent of)",
      roles: ALL_ROLES,
    },
    async ({ req, params }) =>
      liveFor(await queueLive(deps, parse(QueueParams, { number: params['number'] }).number), req.auth?.user),
  );
  // The member actions: POST /:number/agents/:ext/<action>, on the extension the caller may act for.
  const memberOp = (
    action: string,
    summary: string,
    run: (number: string, ext: string, actor: string, body?: z.infer<typeof PauseInput>) => Promise<unknown>,
    body?: typeof PauseInput,
  ) =>
    api.op<typeof PauseInput | undefined>(
      {
        method: 'post',
        path: `/:number/agents/:ext/${action}`,
        summary,
        roles: ALL_ROLES,
        ...(body ? { body } : {}),
      },
      async ({ req, body }) => {
        const { number, ext } = target(req);
        return run(number, ext, actorName(req), body);
      },
    );

  memberOp('login', 'Log a dynamic member in to the queue (users: their own extension)', (n, e, a) =>
    agents.login(n, e, a),
  );
  memberOp('logout', 'Log a dynamic member out of the queue (users: their own extension)', (n, e, a) =>
    agents.logout(n, e, a),
  );
  memberOp(
    'pause',
    'Pause a member (no calls until unpaused); body {reason}',
    (n, e, a, body) => agents.pause(n, e, body?.reason ?? 'paused', a),
    PauseInput,
  );
  memberOp('unpause', 'Unpause a member', (n, e, a) => agents.unpause(n, e, a));
  return api.router;
}
