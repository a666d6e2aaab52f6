import { type Request, Router } from 'express';
import { actorFor } from '../../apply/trigger';
import { actorName } from '../../auth/middleware';
import { withTx } from '../../db/tx';
import type { Deps } from '../../deps';
import { ApiRouter } from '../../http/api';
import { ForbiddenError } from '../../http/errors';
import { parse } from '../../http/parse';
import { BoxParams, CreateBox, PatchBox, SetPin } from './schema';
import * as service from './service';

export function boxPaths(deps: Deps): service.BoxPaths {
  return { soundsDir: deps.config.asteriskSoundsDir, spoolDir: deps.config.asteriskSpoolDir };
}

// Greeting files are copied once the row is committed; a failed copy is logged, not undone.
export async function publishAfterSave(deps: Deps, saved: service.Saved): Promise<void> {
  if (!saved.greetingsChanged) return;
  await service
    .publishGreetings(deps.db, boxPaths(deps), saved.box.number, saved.greetingsBefore)
    .catch((err: unknown) =>
      deps.log.error({ err, box: saved.box.number }, 'voicemail greeting copy failed'),
    );
}

// A user may change the PIN of the box of their own extension, and nothing else here.
export function assertPinAllowed(req: Request, number: string): void {
  const user = req.auth?.user;
  if (user?.role === 'admin') return;
  if (user?.role === 'user' && user.extensionNumber === number) return;
  throw new ForbiddenError('only an admin or the box owner may change its PIN');
}

export function voicemailBoxRoutes(deps: Deps): Router {
  const router = Router();
  const api = new ApiRouter(router, '/api/v1/voicemail-boxes', deps.openapi);
  const number = (params: Record<string, string>) => parse(BoxParams, { number: params['number'] }).number;
  const actor = (req: Request) => actorFor(deps, actorName(req));

  api.op(
    {
      method: 'get',
      path: '/',
      summary: 'Voicemail boxes (one per extension with voicemail)',
      roles: ['admin'],
    },
    async () => ({ items: await service.list(deps.db) }),
  );
  api.op(
    {
      method: 'post',
      path: '/',
      summary: 'Create the voicemail box of an extension (the PIN is returned only here)',
      roles: ['admin'],
      body: CreateBox,
      status: 201,
    },
    async ({ req, body }) => {
      const saved = await withTx(deps.db, (tx) => service.create(tx, body, actor(req)));
      await publishAfterSave(deps, saved);
      return { ...saved.box, pin: saved.pin };
    },
  );
  api.op(
    { method: 'get', path: '/:number', summary: 'One voicemail box (without its PIN)', roles: ['admin'] },
    async ({ params }) => service.get(deps.db, number(params)),
  );
  api.op(
    {
      method: 'patch',
      path: '/:number',
      summary: 'Change a voicemail box: email, options, greetings',
      roles: ['admin'],
      body: PatchBox,
    },
    async ({ req, params, body }) => {
      const saved = await withTx(deps.db, (tx) => service.patch(tx, number(params), body, actor(req)));
      await publishAfterSave(deps, saved);
      return saved.box;
    },
  );
  api.op(
    {
      method: 'put',
      path: '/:number/pin',
      summary: "Set a box's PIN (admin or the box owner); without a pin, a new one is generated and returned",
      roles: ['admin', 'user'],
      body: SetPin,
    },
    async ({ req, params, body }) => {
      const n = number(params);
      assertPinAllowed(req, n);
      return withTx(deps.db, (tx) => service.setPin(tx, n, body, actor(req)));
    },
  );
  api.op(
    {
      method: 'delete',
      path: '/:number',
      summary: 'Delete a voicemail box (409 while a destination uses it)',
      roles: ['admin'],
      status: 204,
    },
    async ({ req, params }) => {
      await withTx(deps.db, (tx) => service.remove(tx, number(params), actor(req)));
    },
  );
  return router;
}
