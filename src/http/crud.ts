import type { Request } from 'express';
import type { Knex } from 'knex';
import type { z } from 'zod';
import type { Actor } from '../apply/trigger';
import { actorFor } from '../apply/trigger';
import { actorName } from '../auth/middleware';
import type { Role } from '../auth/users.repo';
import { type Tx, withTx } from '../db/tx';
import type { Deps } from '../deps';
import { ADMIN, ADMIN_SUPERVISOR, type ApiRouter } from './api';
import { parse } from './parse';

type Params = Record<string, string>;

// What a resource's five operations are called in the API document, one summary each.
export interface CrudSummaries {
  list?: string;
  create?: string;
  get?: string;
  update?: string;
  remove?: string;
}

// The operations, each optional: an absent one is not registered. The reads take the database.
export interface CrudOps<K, T, C, U> {
  list?: (db: Knex) => Promise<readonly T[]>;
  // What a listed item looks like in the API (as it is, without).
  toApi?: (item: T) => unknown;
  get?: (db: Knex, key: K) => Promise<unknown>;
  create?: (body: C, req: Request) => Promise<unknown>;
  update?: (key: K, body: U, req: Request) => Promise<unknown>;
  // Both of them at once: the key is null for a new one.
  save?: (key: K | null, body: C | U, req: Request) => Promise<unknown>;
  remove?: (key: K, req: Request) => Promise<unknown>;
}

export interface CrudSpec<K, T, C extends z.ZodType, U extends z.ZodType>
  extends CrudOps<K, T, z.infer<C>, z.infer<U>> {
  db: Knex;
  // The collection's path below the router ('/' by default); the item's is `<path>/:<param>`.
  path?: string;
  param?: string;
  // The item's key: the schema of its path parameter, or a function that reads it from the
  // parameters; either validates it (400 on a bad one).
  key: z.ZodType<K> | ((params: Params) => K);
  read?: readonly Role[];
  write?: readonly Role[];
  // The body of create, and of update unless updateBody is given.
  body: C;
  updateBody?: U;
  updateMethod?: 'put' | 'patch';
  summary: CrudSummaries;
}

// The list/create/get/update/delete operations of one resource, with the API's conventions:
// reads for admins and supervisors, writes for admins; the list answers { items }, a create 201,
// a delete 204 with no body. Only the operations given are registered, in that order.
export function crud<K, T, C extends z.ZodType, U extends z.ZodType = C>(
  api: ApiRouter,
  spec: CrudSpec<K, T, C, U>,
): void {
  const { db, list, toApi, get, save, remove } = spec;
  const create = spec.create ?? (save && ((body: z.infer<C>, req: Request) => save(null, body, req)));
  const update = spec.update ?? save;
  const collection = spec.path ?? '/';
  const param = spec.param ?? 'id';
  const item = `${collection === '/' ? '' : collection}/:${param}`;
  const { key } = spec;
  const keyOf = (params: Params): K => (typeof key === 'function' ? key(params) : parse(key, params[param]));
  const read = spec.read ?? ADMIN_SUPERVISOR;
  const write = spec.write ?? ADMIN;
  const summary = (op: keyof CrudSummaries): string => {
    const text = spec.summary[op];
    if (text === undefined) throw new Error(`${collection}: the ${op} operation has no summary`);
    return text;
  };
  if (list) {
    api.op({ method: 'get', path: collection, summary: summary('list'), roles: read }, async () => {
      const items = await list(db);
      return { items: toApi ? items.map(toApi) : items };
    });
  }
  if (create) {
    const op = { method: 'post', path: collection, summary: summary('create'), roles: write } as const;
    api.op({ ...op, body: spec.body, status: 201 }, async ({ req, body }) => create(body as z.infer<C>, req));
  }
  if (get) {
    api.op({ method: 'get', path: item, summary: summary('get'), roles: read }, async ({ params }) =>
      get(db, keyOf(params)),
    );
  }
  if (update) {
    const op = { method: spec.updateMethod ?? 'put', path: item, summary: summary('update'), roles: write };
    api.op({ ...op, body: spec.updateBody ?? (spec.body as z.ZodType as U) }, async ({ req, params, body }) =>
      update(keyOf(params), body as z.infer<U>, req),
    );
  }
  if (remove) {
    api.op(
      { method: 'delete', path: item, summary: summary('remove'), roles: write, status: 204 },
      async ({ req, params }) => {
        await remove(keyOf(params), req);
        return undefined;
      },
    );
  }
}

// The writes of a service that follows the usual shape, save(tx, key or null for a new one, body,
// actor) and remove(tx, key, actor), as crud's save and remove: each runs in a transaction of its
// own, for the signed-in user.
const signedIn = (deps: Deps, req: Request): Actor => actorFor(deps, actorName(req));

export function saveInTx<K, B>(
  deps: Deps,
  save: (tx: Tx, key: K | null, body: B, actor: Actor) => Promise<unknown>,
): (key: K | null, body: B, req: Request) => Promise<unknown> {
  return (key, body, req) => withTx(deps.db, (tx) => save(tx, key, body, signedIn(deps, req)));
}

export function removeInTx<K>(
  deps: Deps,
  remove: (tx: Tx, key: K, actor: Actor) => Promise<unknown>,
): (key: K, req: Request) => Promise<unknown> {
  return (key, req) => withTx(deps.db, (tx) => remove(tx, key, signedIn(deps, req)));
}
