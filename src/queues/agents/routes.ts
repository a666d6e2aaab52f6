import type { Request, Router } from 'express';
import { actorName } from '../../auth/middleware';
import type { Deps } from '../../deps';
import { ALL_ROLES, apiRouter } from '../../http/api';
import { ForbiddenError } from '../../http/errors';
import { parse } from '../../http/parse';
import { agentsFor } from '.';
import { queueLive } from './live';
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
      summary: "A queue's members with their live state, and the callers waiting",
      roles: ALL_ROLES,
    },
    async ({ params }) => queueLive(deps, parse(QueueParams, { number: params['number'] }).number),
  );
  api.op(
    {
      method: 'post',
      path: '/:number/agents/:ext/login',
      summary: 'Log a dynamic member in to the queue (users: their own extension)',
      roles: ALL_ROLES,
    },
    async ({ req }) => {
      const { number, ext } = target(req);
      return agents.login(number, ext, actorName(req));
    },
  );
  api.op(
    {
      method: 'post',
      path: '/:number/agents/:ext/logout',
      summary: 'Log a dynamic member out of the queue (users: their own extension)',
      roles: ALL_ROLES,
    },
    async ({ req }) => {
      const { number, ext } = target(req);
      return agents.logout(number, ext, actorName(req));
    },
  );
  api.op(
    {
      method: 'post',
      path: '/:number/agents/:ext/pause',
      summary: 'Pause a member (no calls until unpaused); body {reason}',
      roles: ALL_ROLES,
      body: PauseInput,
    },
    async ({ req, body }) => {
      const { number, ext } = target(req);
      return agents.pause(number, ext, body?.reason ?? 'paused', actorName(req));
    },
  );
  api.op(
    {
      method: 'post',
      path: '/:number/agents/:ext/unpause',
      summary: 'Unpause a member',
      roles: ALL_ROLES,
    },
    async ({ req }) => {
      const { number, ext } = target(req);
      return agents.unpause(number, ext, actorName(req));
    },
  );
  return api.router;
}
