import type { Request, Router } from 'express';
import { changeOwnPassword } from '../auth/accounts';
import { clearFailures, lockedFor, lockMessage, recordFailure } from '../auth/backoff';
import { SESSION_COOKIE } from '../auth/middleware';
import { mfaRequiredRoles, setMfaRequiredRoles } from '../auth/policy';
import { destroyOtherSessions } from '../auth/sessions';
import type { Deps } from '../deps';
import { ADMIN, ALL_ROLES, apiRouter } from '../http/api';
import { crud } from '../http/crud';
import { AppError, UnauthenticatedError } from '../http/errors';
import { idParam } from '../http/parse';
import * as admin from './admin';
import { AccountPolicy, ChangePassword, CreateToken, CreateUser, PatchUser } from './schema';

export function userRoutes(deps: Deps): Router {
  const api = apiRouter(deps, '');
  const id = (params: Record<string, string>) => idParam(params);

  api.op(
    {
      method: 'get',
      path: '/api/v1/me',
      summary: 'The signed-in user',
      roles: ALL_ROLES,
    },
    async ({ req }) => {
      if (!req.auth) throw new UnauthenticatedError();
      return { ...req.auth.user, extension_number: req.auth.user.extensionNumber, via: req.auth.via };
    },
  );
  api.op(
    {
      method: 'post',
      path: '/api/v1/me/password',
      summary: 'Change your own password (the current one required); your other sessions end',
      roles: ALL_ROLES,
      body: ChangePassword,
    },
    async ({ req, body }) => {
      if (!req.auth) throw new UnauthenticatedError();
      const keep = req.auth.via === 'session' ? sessionCookie(req) : null;
      // The same per-account backoff as the sign-in and the account page: a stolen token or
      // cookie must not become a way to guess the password.
      const username = req.auth.user.username;
      const locked = await lockedFor(deps.db, username);
      if (locked > 0) throw new AppError(429, 'locked', lockMessage(locked));
      if (!(await changeOwnPassword(deps.db, req.auth.user.id, body.current_password, body.new_password))) {
        const lock = await recordFailure(deps.db, username);
        throw new AppError(
          403,
          'wrong_password',
          `the current password is wrong${lock > 0 ? `. ${lockMessage(lock)}` : ''}`,
        );
      }
      await clearFailures(deps.db, username);
      await destroyOtherSessions(deps.db, req.auth.user.id, keep);
      return { changed: true };
    },
  );
  api.op(
    {
      method: 'get',
      path: '/api/v1/account-policy',
      summary: 'Which roles must sign in with a second factor',
      roles: ADMIN,
    },
    async () => ({ mfa_required_roles: await mfaRequiredRoles(deps.db) }),
  );
  api.op(
    {
      method: 'put',
      path: '/api/v1/account-policy',
      summary: 'Set which roles must sign in with a second factor (they are sent to enrol first)',
      roles: ADMIN,
      body: AccountPolicy,
    },
    async ({ body }) => ({ mfa_required_roles: await setMfaRequiredRoles(deps.db, body.mfa_required_roles) }),
  );
  crud(api, {
    db: deps.db,
    path: '/api/v1/users',
    key: id,
    read: ADMIN,
    body: CreateUser,
    updateBody: PatchUser,
    updateMethod: 'patch',
    list: admin.list,
    create: (body) => admin.create(deps.db, body),
    update: (userId, body) => admin.patch(deps.db, userId, body),
    remove: (userId) => admin.remove(deps.db, userId),
    summary: {
      list: 'List users',
      create: 'Create a user (a generated password is returned once)',
      update: 'Change role, extension, password or disable (the last admin stays)',
      remove: 'Delete a user (409 for the last enabled admin)',
    },
  });
  api.op(
    {
      method: 'get',
      path: '/api/v1/users/:id/tokens',
      summary: "A user's API tokens (never the tokens themselves)",
      roles: ADMIN,
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
      roles: ADMIN,
      body: CreateToken,
      status: 201,
    },
    async ({ params, body }) => admin.createToken(deps.db, id(params), body),
  );
  api.op(
    {
      method: 'delete',
      path: '/api/v1/users/:id/mfa',
      summary: "Remove a user's second factor and recovery codes (a lost phone)",
      roles: ADMIN,
      status: 204,
    },
    async ({ params }) => {
      await admin.resetMfa(deps.db, id(params));
      return undefined;
    },
  );
  api.op(
    {
      method: 'delete',
      path: '/api/v1/users/:id/tokens/:tokenId',
      summary: 'Revoke an API token',
      roles: ADMIN,
      status: 204,
    },
    async ({ params }) => {
      await admin.revokeToken(deps.db, idParam(params), idParam(params, 'tokenId'));
      return undefined;
    },
  );
  return api.router;
}

export function sessionCookie(req: Request): string | null {
  const cookie = (req.cookies as Record<string, unknown> | undefined)?.[SESSION_COOKIE];
  return typeof cookie === 'string' ? cookie : null;
}
