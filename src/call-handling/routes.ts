import type { Request, Router } from 'express';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { assertAdminOrOwner } from '../http/access';
import { ADMIN_USER, apiRouter } from '../http/api';
import { parse } from '../http/parse';
import { astdbFor } from './runtime';
import { BlockCaller, BlockedParams, CallHandlingParams, PutCallHandling } from './schema';
import * as service from './service';

// A user may see and change the call handling of their own extension only; admins, any.
export function assertOwnerOrAdmin(req: Request, number: string): void {
  assertAdminOrOwner(req.auth?.user, number, 'only an admin or the extension owner may do this');
}

export function callHandlingRoutes(deps: Deps): Router {
  const api = apiRouter(deps, '/api/v1/extensions');
  const astdb = astdbFor(deps);
  const mirror = (number: string) => service.mirror(deps.db, astdb, deps.log, number);
  const own = (req: Request, params: Record<string, string>) => {
    const { number } = parse(CallHandlingParams, { number: params['number'] });
    assertOwnerOrAdmin(req, number);
    return number;
  };

  api.op(
    {
      method: 'get',
      path: '/:number/call-handling',
      summary: 'Do-not-disturb and forwarding of an extension (admin, or its owner)',
      roles: ADMIN_USER,
    },
    async ({ req, params }) => service.get(deps.db, own(req, params)),
  );
  api.op(
    {
      method: 'put',
      path: '/:number/call-handling',
      summary: 'Set do-not-disturb and forwarding (always / busy / noAnswer); effective on the next call',
      roles: ADMIN_USER,
      body: PutCallHandling,
    },
    async ({ req, params, body }) => {
      const number = own(req, params);
      const saved = await withTx(deps.db, (tx) => service.put(tx, number, body));
      await mirror(number);
      return saved;
    },
  );
  api.op(
    {
      method: 'get',
      path: '/:number/blocked-callers',
      summary: 'Caller numbers this extension refuses (admin, or its owner)',
      roles: ADMIN_USER,
    },
    async ({ req, params }) => ({ items: await service.listBlocked(deps.db, own(req, params)) }),
  );
  api.op(
    {
      method: 'post',
      path: '/:number/blocked-callers',
      summary: 'Block a caller number for this extension',
      roles: ADMIN_USER,
      body: BlockCaller,
      status: 201,
    },
    async ({ req, params, body }) => {
      const number = own(req, params);
      await withTx(deps.db, (tx) => service.block(tx, number, body.number));
      await mirror(number);
      return { number: body.number };
    },
  );
  api.op(
    {
      method: 'delete',
      path: '/:number/blocked-callers/:caller',
      summary: 'Unblock a caller number',
      roles: ADMIN_USER,
      status: 204,
    },
    async ({ req, params }) => {
      const number = own(req, params);
      const { caller } = parse(BlockedParams, { number, caller: params['caller'] });
      await withTx(deps.db, (tx) => service.unblock(tx, number, caller));
      await mirror(number);
    },
  );
  return api.router;
}
