import type { Request, Router } from 'express';
import { actorFor } from '../../apply/trigger';
import { actorName } from '../../auth/middleware';
import { withTx } from '../../db/tx';
import type { Deps } from '../../deps';
import { assertAdminOrOwner } from '../../http/access';
import { ADMIN, ADMIN_USER, apiRouter } from '../../http/api';
import { crud } from '../../http/crud';
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
  assertAdminOrOwner(req.auth?.user, number, 'only an admin or the box owner may change its PIN');
}

export function voicemailBoxRoutes(deps: Deps): Router {
  const api = apiRouter(deps, '/api/v1/voicemail-boxes');
  const number = (params: Record<string, string>) => parse(BoxParams, { number: params['number'] }).number;
  const actor = (req: Request) => actorFor(deps, actorName(req));

  crud(api, {
    db: deps.db,
    param: 'number',
    key: number,
    read: ADMIN,
    body: CreateBox,
    updateBody: PatchBox,
    updateMethod: 'patch',
    list: service.list,
    get: service.get,
    create: async (body, req) => {
      const saved = await withTx(deps.db, (tx) => service.create(tx, body, actor(req)));
      await publishAfterSave(deps, saved);
      return { ...saved.box, pin: saved.pin };
    },
    update: async (n, body, req) => {
      const saved = await withTx(deps.db, (tx) => service.patch(tx, n, body, actor(req)));
      await publishAfterSave(deps, saved);
      return saved.box;
    },
    remove: (n, req) => withTx(deps.db, (tx) => service.remove(tx, n, actor(req))),
    summary: {
      list: 'Voicemail boxes (one per extension with voicemail)',
      create: 'Create the voicemail box of an extension (the PIN is returned only here)',
      get: 'One voicemail box (without its PIN)',
      update: 'Change a voicemail box: email, options, greetings',
      remove: 'Delete a voicemail box (409 while a destination uses it)',
    },
  });
  api.op(
    {
      method: 'put',
      path: '/:number/pin',
      summary: "Set a box's PIN (admin or the box owner); without a pin, a new one is generated and returned",
      roles: ADMIN_USER,
      body: SetPin,
    },
    async ({ req, params, body }) => {
      const n = number(params);
      assertPinAllowed(req, n);
      return withTx(deps.db, (tx) => service.setPin(tx, n, body, actor(req)));
    },
  );
  return api.router;
}
