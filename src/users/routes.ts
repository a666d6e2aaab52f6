import { Router } from 'express';
import type { Deps } from '../deps';
import { ApiRouter } from '../http/api';
import { UnauthenticatedError } from '../http/errors';
import { idParam } from '../http/parse';
import * as admin from './admin';
import { CreateToken, CreateUser, PatchUser } from './schema';

export function userRoutes(deps: Deps): Router {
  const router = Router();
  const api = new ApiRouter(router, '', deps.openapi);
  const id = (params: Record<string, string>) => idParam(params);

  api.op(
    {
      method: 'get',
      path: '/api/v1/me',
      summary: 'The signed-in user',
      roles: ['admin', 'supervisor', 'user'],
    },
    async ({ req }) => {
      if (!req.auth) throw new UnauthenticatedError();
      return { ...req.auth.user, extension_number: req.auth.user.extensionNumber, via: req.auth.via };
    },
  );
  api.op({ method: 'get', path: '/api/v1/users', summary: 'List users', roles: ['admin'] }, async () => ({
    items: await admin.list(deps.db),
  }));
  api.op(
    {
      method: 'post',
      path: '/api/v1/users',
      summary: 'Create a user (a generated password is returned once)',
      roles: ['admin'],
      body: CreateUser,
      status: 201,
    },
    async ({ body }) => admin.create(deps.db, body),
  );
  api.op(
    {
      method: 'patch',
      path: '/api/v1/users/:id',
      summary: 'Change role, extension, password or disable (the last admin stays)',
      roles: ['admin'],
      body: PatchUser,
    },
    async ({ params, body }) => admin.patch(deps.db, id(params), body),
  );
  api.op(
    {
      method: 'delete',
      path: '/api/v1/users/:id',
      summary: 'Delete a user (409 for the last enabled admin)',
      roles: ['admin'],
      status: 204,
    },
    async ({ params }) => {
      await admin.remove(deps.db, id(params));
      return undefined;
    },
  );
  api.op(
    {
      method: 'get',
      path: '/api/v1/users/:id/tokens',
      summary: "A user's API tokens (never the tokens themselves)",
      roles: ['admin'],
    },
    async ({ params }) => ({
      items: await admin.tokens(deps.db, id(params)),
    }),
  );
  api.op(
    {
      method: 'post',
      path: '/api/v1/users/:id/tokens',
      summary: 'Create an API token (shown once)',
      roles: ['admin'],
      body: CreateToken,
      status: 201,
    },
    async ({ params, body }) => admin.createToken(deps.db, id(params), body.name),
  );
  api.op(
    {
      method: 'delete',
      path: '/api/v1/users/:id/tokens/:tokenId',
      summary: 'Revoke an API token',
      roles: ['admin'],
      status: 204,
    },
    async ({ params }) => {
      await admin.revokeToken(deps.db, idParam(params), idParam(params, 'tokenId'));
      return undefined;
    },
  );
  return router;
}
