import type { Router } from 'express';
import type { Deps } from '../deps';
import { apiRouter } from '../http/api';
import { crud, removeInTx, saveInTx } from '../http/crud';
import { CreateQueue, QueueNumber, UpdateQueue } from './schema';
import * as service from './service';

// Queues are addressed by their number, like extensions.
export function queueRoutes(deps: Deps): Router {
  const api = apiRouter(deps, '/api/v1/queues');
  crud(api, {
    db: deps.db,
    param: 'number',
    key: QueueNumber,
    body: CreateQueue,
    updateBody: UpdateQueue,
    list: service.listApi,
    get: service.get,
    save: saveInTx(deps, service.save),
    remove: removeInTx(deps, service.remove),
    summary: {
      list: 'Call queues with their members',
      create: 'Create a queue: strategy, members and penalties, limits, announcements, VIP callers, failover',
      get: 'A queue and what points at it',
      update: 'Replace a queue (a different number renumbers it, refused while something points at it)',
      remove: 'Delete a queue (409 while something points at it)',
    },
  });
  return api.router;
}
