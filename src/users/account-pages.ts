import argon2 from 'argon2';
import { type Request, type Response, Router } from 'express';
import { changeOwnPassword } from '../auth/accounts';
import { clearFailures, lockedFor, lockMessage, recordFailure } from '../auth/backoff';
import {
  confirmEnrolment,
  disableMfa,
  mfaEnabled,
  pendingEnrolment,
  startEnrolment,
  unusedRecoveryCodes,
} from '../auth/mfa';
import { mfaRequiredRoles } from '../auth/policy';
import { destroyOtherSessions } from '../auth/sessions';
import { findById } from '../auth/users.repo';
import type { Deps } from '../deps';
import { AppError, ConflictError } from '../http/errors';
import { idParam, parse } from '../http/parse';
import { handleForm } from '../web/forms';
import { formString, requirePage, sendPage } from '../web/page-helpers';
import * as admin from './admin';
import { tokenForm } from './pages';
import { sessionCookie } from './routes';
import { CreateToken } from './schema';

// The signed-in user's own account: password, second factor, API tokens. Every role reaches it,
// and so does a session that must first change its password or enrol (see the gate in
// auth/middleware).
export function accountPages(deps: Deps): Router {
  const router = Router();
  const signedIn = requirePage('admin', 'supervisor', 'user');
  const me = (req: Request) => req.auth?.user.id ?? 0;

  const accountPage = async (
    req: Request,
    res: Response,
    extra: Record<string, unknown> = {},
    status = 200,
  ) => {
    const user = await findById(deps.db, me(req));
    if (!user) throw new AppError(401, 'unauthenticated', 'sign in again');
    sendPage(
      req,
      res,
      'account/index',
      {
        title: 'Account',
        nav: 'account',
        gate: req.auth?.gate ?? null,
        mfa: mfaEnabled(user),
        recoveryLeft: await unusedRecoveryCodes(deps.db, user.id),
        tokens: await admin.tokens(deps.db, user.id),
        tokenBase: '/account/tokens',
        done: formString(req.query, 'done'),
        ...extra,
      },
      status,
    );
  };

  const mfaPage = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    const user = await findById(deps.db, me(req));
    if (!user) throw new AppError(401, 'unauthenticated', 'sign in again');
    sendPage(
      req,
      res,
      'account/mfa',
      {
        title: 'Second factor',
        nav: 'account',
        gate: req.auth?.gate ?? null,
        mfa: mfaEnabled(user),
        required: (await mfaRequiredRoles(deps.db)).includes(user.role),
        pending: mfaEnabled(user) ? null : await pendingEnrolment(deps.db, user.id),
        recoveryLeft: await unusedRecoveryCodes(deps.db, user.id),
        ...extra,
      },
      status,
    );
  };

  router.get('/account', signedIn, async (req, res) => accountPage(req, res));
  router.get('/account/password', signedIn, async (req, res) => accountPage(req, res));

  // The current password is checked under the same per-account backoff as sign-in: an unlocked
  // screen must not become a way to guess it.
  router.post('/account/password', signedIn, async (req, res) => {
    const username = req.auth?.user.username ?? '';
    const locked = await lockedFor(deps.db, username);
    if (locked > 0) {
      await accountPage(req, res, { errorMessage: lockMessage(locked) }, 429);
      return;
    }
    const next = formString(req.body, 'new_password') ?? '';
    if (next !== (formString(req.body, 'confirm_password') ?? '')) {
      await accountPage(
        req,
        res,
        { errors: [{ path: 'confirm_password', message: 'does not match the new password' }] },
        422,
      );
      return;
    }
    await handleForm(res, {
      run: async () => {
        const ok = await changeOwnPassword(
          deps.db,
          me(req),
          formString(req.body, 'current_password') ?? '',
          next,
        );
        if (!ok) {
          const lock = await recordFailure(deps.db, username);
          throw new AppError(
            403,
            'wrong_password',
            `The current password is wrong.${lock > 0 ? ` ${lockMessage(lock)}` : ''}`,
            [{ path: 'current_password', message: 'wrong password' }],
          );
        }
        await clearFailures(deps.db, username);
        // Whoever else holds a session of this account (a stolen cookie, another browser) is out.
        await destroyOtherSessions(deps.db, me(req), sessionCookie(req));
        deps.log.info({ username }, 'password changed');
      },
      redirect: '/account?done=password',
      refused: ({ status, errors, errorMessage }) => accountPage(req, res, { errors, errorMessage }, status),
    });
  });

  router.get('/account/mfa', signedIn, async (req, res) => mfaPage(req, res));

  router.post('/account/mfa/start', signedIn, async (req, res) => {
    const user = await findById(deps.db, me(req));
    if (!user || mfaEnabled(user)) {
      res.redirect(303, '/account/mfa');
      return;
    }
    await startEnrolment(deps.db, user);
    res.redirect(303, '/account/mfa');
  });

  router.post('/account/mfa/confirm', signedIn, async (req, res) => {
    const codes = await confirmEnrolment(deps.db, me(req), (formString(req.body, 'code') ?? '').slice(0, 20));
    if (!codes) {
      await mfaPage(
        req,
        res,
        { errorMessage: 'That code is not right: enter the current 6-digit code from the app.' },
        422,
      );
      return;
    }
    deps.log.info({ username: req.auth?.user.username }, 'second factor enrolled');
    // The audit row says what happened, not the code that proved it (good for 30 s, but a code).
    if (req.auditScope) {
      req.auditScope.summary = 'Enrol a second factor (TOTP)';
      req.auditScope.after = { second_factor: 'enrolled' };
    }
    // Enrolment lifts the gate: the page is shown without it.
    if (req.auth) req.auth.gate = null;
    await mfaPage(req, res, { recoveryCodes: codes });
  });

  router.post('/account/mfa/disable', signedIn, async (req, res) => {
    await handleForm(res, {
      run: async () => {
        const user = await findById(deps.db, me(req));
        if (!user) throw new AppError(401, 'unauthenticated', 'sign in again');
        if ((await mfaRequiredRoles(deps.db)).includes(user.role))
          throw new ConflictError(`the ${user.role} role must use a second factor`);
        const password = (formString(req.body, 'password') ?? '').slice(0, 200);
        if (!(await argon2.verify(user.password_hash, password)))
          throw new AppError(403, 'wrong_password', 'The password is wrong.');
        await disableMfa(deps.db, user.id);
        deps.log.info({ username: user.username }, 'second factor removed');
      },
      redirect: '/account/mfa',
      refused: ({ status, errorMessage }) => mfaPage(req, res, { errorMessage }, status),
    });
  });

  router.post('/account/tokens', signedIn, async (req, res) => {
    await handleForm(res, {
      run: () => admin.createToken(deps.db, me(req), parse(CreateToken, tokenForm(req.body))),
      done: (newToken) => accountPage(req, res, { newToken }, 201),
      refused: ({ status, errors, errorMessage }) => accountPage(req, res, { errors, errorMessage }, status),
    });
  });

  router.post('/account/tokens/:tokenId/delete', signedIn, async (req, res) => {
    await admin.revokeToken(deps.db, me(req), idParam(req.params, 'tokenId'));
    res.redirect(303, '/account');
  });

  return router;
}
