import type { Request, Router } from 'express';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import { withTx } from '../db/tx';
import type { Deps } from '../deps';
import { apiRouter } from '../http/api';
import { crud, removeInTx } from '../http/crud';
import { idParam } from '../http/parse';
import * as repo from './repo';
import { CreateTrunk, UpdateTrunk } from './schema';
import * as service from './service';
import { trunkStatuses } from './status';

export function trunkRoutes(deps: Deps): Router {
  const api = apiRouter(deps, '/api/v1/trunks');
  const actor = (req: Request) => actorFor(deps, actorName(req));

  crud(api, {
    db: deps.db,
    key: idParam,
    body: CreateTrunk,
    updateBody: UpdateTrunk,
    list: async (db) => {
      const rows = await repo.list(db);
      const statuses = await trunkStatuses(deps, rows);
      return rows.map((r) => ({ ...repo.toApi(r), status: statuses.get(r.id) }));
    },
    get: async (db, id) => {
      const row = await service.mustFind(db, id);
      const statuses = await trunkStatuses(deps, [row]);
      return { ...repo.toApi(row), status: statuses.get(row.id) };
    },
    create: (body, req) => withTx(deps.db, (tx) => service.create(tx, body, actor(req))),
    update: (id, body, req) => withTx(deps.db, (tx) => service.update(tx, id, body, actor(req))),
    remove: removeInTx(deps, service.remove),
    summary: {
      list: 'List trunks with live registration and reachability',
      create: 'Create a SIP trunk (registration or IP-authenticated)',
      get: 'Get a trunk with its live status',
      update: 'Replace a trunk (a missing password keeps the stored one)',
      remove: 'Delete a trunk (409 while an outbound route uses it)',
    },
  });
  return api.router;
}
