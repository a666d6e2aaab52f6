import { Router } from 'express';
import { mfaRequiredRoles, setMfaRequiredRoles } from '../auth/policy';
import type { Deps } from '../deps';
import { idParam, parse } from '../http/parse';
import { handleForm } from '../web/forms';
import {
  formList,
  formString,
  formText,
  notFoundPage,
  requirePage,
  type ShowPage,
  type ShowPageOf,
  sendPage,
} from '../web/page-helpers';
import * as admin from './admin';
import { AccountPolicy, CreateToken, CreateUser, PatchUser } from './schema';

const ROLES = ['admin', 'supervisor', 'user'];

function fromForm(body: unknown, isNew: boolean): Record<string, unknown> {
  const text = (k: string) => formText(body, k);
  const out: Record<string, unknown> = { role: formString(body, 'role') ?? '' };
  if (isNew) out['username'] = (formString(body, 'username') ?? '').trim();
  out['extension_number'] = text('extension_number') ?? null;
  if (text('password')) out['password'] = formString(body, 'password');
  if (!isNew) out['disabled'] = formString(body, 'disabled') === 'yes';
  return out;
}

// The token form (users/edit and the account page): expiry in days or "never", and the scope.
export function tokenForm(body: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = { name: formString(body, 'name') ?? '' };
  const scope = formString(body, 'scope');
  if (scope) out['scope'] = scope;
  const days = formString(body, 'expires_in_days');
  if (days === 'never') out['expires_in_days'] = null;
  else if (days) out['expires_in_days'] = /^[0-9]{1,5}$/.test(days) ? Number(days) : days;
  return out;
}

export function userPages(deps: Deps): Router {
  const router = Router();
  const adminOnly = requirePage('admin');

  // Pages get the signed-in user as `user` (see sendPage): the account being edited is `account`.
  const listPage: ShowPage = async (req, res, extra = {}, status = 200) => {
    sendPage(
      req,
      res,
      'users/list',
      {
        title: 'Users',
        nav: 'users',
        users: await admin.list(deps.db),
        roles: ROLES,
        mfaRequired: await mfaRequiredRoles(deps.db),
        ...extra,
      },
      status,
    );
  };

  router.get('/users', adminOnly, async (req, res) => listPage(req, res));

  router.post('/users', adminOnly, async (req, res) => {
    const raw = fromForm(req.body, true);
    await handleForm(res, {
      run: () => admin.create(deps.db, parse(CreateUser, raw)),
      done: (created) => listPage(req, res, { created }, 201),
      refused: ({ status, errors, errorMessage }) =>
        listPage(req, res, { values: raw, errors, errorMessage }, status),
    });
  });

  router.post('/users/policy', adminOnly, async (req, res) => {
    await handleForm(res, {
      run: () =>
        setMfaRequiredRoles(
          deps.db,
          parse(AccountPolicy, { mfa_required_roles: formList(req.body, 'mfa_required_roles') })
            .mfa_required_roles,
        ),
      redirect: '/users',
      refused: ({ status, errors, errorMessage }) => listPage(req, res, { errors, errorMessage }, status),
    });
  });

  router.get('/users/:id', adminOnly, async (req, res) => {
    const id = idParam(req.params);
    const user = (await admin.list(deps.db)).find((u) => u.id === id);
    if (!user) {
      notFoundPage(req, res, `user ${id}`);
      return;
    }
    sendPage(req, res, 'users/edit', {
      title: `User ${user.username}`,
      nav: 'users',
      account: user,
      roles: ROLES,
      tokens: await admin.tokens(deps.db, id),
      tokenBase: `/users/${id}/tokens`,
    });
  });

  const editPage: ShowPageOf<number> = async (req, res, id, extra = {}, status = 200) => {
    const user = (await admin.list(deps.db)).find((u) => u.id === id);
    sendPage(
      req,
      res,
      'users/edit',
      {
        title: `User ${user?.username ?? id}`,
        nav: 'users',
        account: user,
        roles: ROLES,
        tokens: await admin.tokens(deps.db, id),
        tokenBase: `/users/${id}/tokens`,
        ...extra,
      },
      status,
    );
  };

  router.post('/users/:id', adminOnly, async (req, res) => {
    const id = idParam(req.params);
    await handleForm(res, {
      run: () => admin.patch(deps.db, id, parse(PatchUser, fromForm(req.body, false))),
      redirect: '/users',
      refused: ({ status, errors, errorMessage }) => editPage(req, res, id, { errors, errorMessage }, status),
    });
  });

  router.post('/users/:id/delete', adminOnly, async (req, res) => {
    const id = idParam(req.params);
    await handleForm(res, {
      run: () => admin.remove(deps.db, id),
      redirect: '/users',
      refused: ({ status, errorMessage }) => editPage(req, res, id, { errorMessage }, status),
    });
  });

  router.post('/users/:id/tokens', adminOnly, async (req, res) => {
    const id = idParam(req.params);
    await handleForm(res, {
      run: () => {
        return admin.createToken(deps.db, id, parse(CreateToken, tokenForm(req.body)));
      },
      done: (newToken) => editPage(req, res, id, { newToken }, 201),
      refused: ({ status, errors, errorMessage }) => editPage(req, res, id, { errors, errorMessage }, status),
    });
  });

  router.post('/users/:id/mfa/reset', adminOnly, async (req, res) => {
    const id = idParam(req.params);
    await admin.resetMfa(deps.db, id);
    res.redirect(303, `/users/${id}`);
  });

  router.post('/users/:id/tokens/:tokenId/delete', adminOnly, async (req, res) => {
    const id = idParam(req.params);
    const tokenId = idParam(req.params, 'tokenId');
    await admin.revokeToken(deps.db, id, tokenId);
    res.redirect(303, `/users/${id}`);
  });

  return router;
}
