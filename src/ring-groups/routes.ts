import type { Router } from 'express';
import type { Deps } from '../deps';
import { apiRouter } from '../http/api';
import { crud, removeInTx, saveInTx } from '../http/crud';
import { RingGroup, RingGroupNumber } from './schema';
import * as service from './service';

export function ringGroupRoutes(deps: Deps): Router {
  const api = apiRouter(deps, '/api/v1/ring-groups');
  crud(api, {
    db: deps.db,
    param: 'number',
    key: RingGroupNumber,
    body: RingGroup,
    list: service.listRingGroups,
    toApi: service.ringGroupToApi,
    get: service.getRingGroup,
    save: saveInTx(deps, service.saveRingGroup),
    remove: removeInTx(deps, service.removeRingGroup),
    summary: {
      list: 'Ring groups',
      create:
        'Create a ring group: number, members (extensions or external numbers, external ones optionally confirmed by pressing 1), strategy ringall/hunt/memoryhunt, ring time, caller ID name prefix, failover destination',
      get: 'A ring group',
      update: 'Replace a ring group',
      remove: 'Delete a ring group (409 while a route, menu… leads to it)',
    },
  });
  return api.router;
}
