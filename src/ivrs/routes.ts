import type { Router } from 'express';
import type { Actor } from '../apply/trigger';
import type { Tx } from '../db/tx';
import type { Deps } from '../deps';
import { apiRouter } from '../http/api';
import { crud, removeInTx, saveInTx } from '../http/crud';
import { idParam } from '../http/parse';
import { Ivr, type IvrInput } from './schema';
import * as service from './service';

export function ivrRoutes(deps: Deps): Router {
  const api = apiRouter(deps, '/api/v1/ivrs');
  const range = deps.config.extensionRange;
  const save = (tx: Tx, id: number | null, body: IvrInput, actor: Actor) =>
    service.saveIvr(tx, id, body, actor, range);
  crud(api, {
    db: deps.db,
    key: idParam,
    body: Ivr,
    list: service.listIvrs,
    toApi: service.ivrToApi,
    get: service.getIvr,
    save: saveInTx(deps, save),
    remove: removeInTx(deps, service.removeIvr),
    summary: {
      list: 'IVR menus',
      create:
        'Create an IVR menu: prompt greeting, keys 0-9 * # to destinations, optional direct dial, repeat key, timeout and retries, final destination',
      get: 'An IVR menu',
      update: 'Replace an IVR menu',
      remove: 'Delete an IVR menu (409 while an inbound route, menu… leads to it)',
    },
  });
  return api.router;
}
