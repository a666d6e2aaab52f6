import { type Request, type Response, Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import { recordAudit } from '../audit';
import { verifyLogin } from '../auth/accounts';
import { clearFailures, lockedFor, lockMessage, recordFailure } from '../auth/backoff';
import { mfaEnabled, verifySecondFactor } from '../auth/mfa';
import { SESSION_COOKIE } from '../auth/middleware';
import { createSession, destroySession, findSession, MFA_PENDING_MINUTES } from '../auth/sessions';
import { findById } from '../auth/users.repo';
import type { Deps } from '../deps';
import { formString, sendPage } from './page-helpers';

export function authPages(deps: Deps): Router {
  const router = Router();
  const loginLimiter = rateLimit({
    windowMs: 15 * 60_000,
    limit: deps.config.loginRateLimit,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (req, res) =>
      sendPage(
        req,
        res,
        'login',
        { title: 'Sign in', error: 'Too many failed sign-ins. Try again in 15 minutes.' },
        429,
      ),
  });

  const setCookie = (req: Request, res: Response, token: string, maxAgeMs: number) => {
    const secure = deps.config.cookieSecure === 'tls' ? req.secure : deps.config.cookieSecure;
    res.cookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'lax',
      secure,
      maxAge: maxAgeMs,
      path: '/',
    });
  };
  const cookieOf = (req: Request): string | null => {
    const cookie = (req.cookies as Record<string, unknown> | undefined)?.[SESSION_COOKIE];
    return typeof cookie === 'string' && cookie.length > 0 && cookie.length < 200 ? cookie : null;
  };
  // A complete sign-in: a fresh session (never the pending one promoted, so a token seen before
  // the second factor is worth nothing after it) and the backoff count cleared.
  const signIn = async (req: Request, res: Response, userId: number, username: string, next?: string) => {
    await clearFailures(deps.db, username);
    const { token } = await createSession(deps.db, userId, deps.config.sessionTtlHours);
    setCookie(req, res, token, deps.config.sessionTtlHours * 3_600_000);
    deps.log.info({ username, ip: req.ip }, 'signed in');
    await signInEvent(req, username, 'ok', userId);
    res.redirect(303, safeNext(next) ?? '/extensions');
  };
  // Sign-ins have no signed-in actor yet, so the request audit does not see them: each outcome is
  // written here (the name typed, even an unknown one, is what an admin looks for after an attack).
  const signInEvent = (req: Request, username: string, outcome: string, userId: number | null = null) =>
    recordAudit(deps.db, {
      actorUserId: userId,
      actor: username || '(empty)',
      via: 'session',
      ip: req.ip ?? null,
      method: 'POST',
      action: 'sign-in',
      summary: 'Sign in to the admin pages',
      objectType: 'users',
      objectId: userId === null ? null : String(userId),
      outcome,
    });
  const loginPage = (req: Request, res: Response, extra: Record<string, unknown>, status: number) =>
    sendPage(req, res, 'login', { title: 'Sign in', ...extra }, status);

  router.get('/login', (req, res) =>
    sendPage(req, res, 'login', { title: 'Sign in', next: safeNext(formString(req.query, 'next')) }),
  );

  router.post('/login', loginLimiter, async (req, res) => {
    const username = (formString(req.body, 'username') ?? '').trim().slice(0, 64);
    const password = (formString(req.body, 'password') ?? '').slice(0, 200);
    const next = safeNext(formString(req.body, 'next') ?? formString(req.query, 'next'));
    // A locked account is refused before its password is even checked: guesses during the lock
    // learn nothing.
    const locked = username ? await lockedFor(deps.db, username) : 0;
    if (locked > 0) {
      deps.log.warn({ username, ip: req.ip }, 'sign-in refused: account locked');
      await signInEvent(req, username, 'refused: locked');
      loginPage(req, res, { error: lockMessage(locked), username, next }, 429);
      return;
    }
    const user = username && password ? await verifyLogin(deps.db, username, password) : null;
    if (!user) {
      const lock = username ? await recordFailure(deps.db, username) : 0;
      deps.log.warn({ username, ip: req.ip }, 'failed sign-in');
      await signInEvent(req, username, 'failed: password');
      const error = `Wrong username or password.${lock > 0 ? ` ${lockMessage(lock)}` : ''}`;
      loginPage(req, res, { error, username, next }, 401);
      return;
    }
    if (!mfaEnabled(user)) {
      await signIn(req, res, user.id, user.username, next);
      return;
    }
    // The password was right; the session it gets grants nothing until the code follows.
    const { token } = await createSession(deps.db, user.id, deps.config.sessionTtlHours, 'mfa');
    setCookie(req, res, token, MFA_PENDING_MINUTES * 60_000);
    res.redirect(303, next ? `/login/code?next=${encodeURIComponent(next)}` : '/login/code');
  });

  const codePage = (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) =>
    sendPage(
      req,
      res,
      'login-code',
      { title: 'Second factor', next: safeNext(formString(req.query, 'next')), ...extra },
      status,
    );

  router.get('/login/code', async (req, res) => {
    const cookie = cookieOf(req);
    if (!cookie || !(await findSession(deps.db, cookie, 'mfa'))) {
      res.redirect(303, '/login');
      return;
    }
    codePage(req, res);
  });

  router.post('/login/code', loginLimiter, async (req, res) => {
    const cookie = cookieOf(req);
    const pending = cookie ? await findSession(deps.db, cookie, 'mfa') : null;
    const user = pending ? await findById(deps.db, pending.userId) : undefined;
    const next = safeNext(formString(req.body, 'next'));
    if (!cookie || !pending || !user || user.disabled) {
      loginPage(
        req,
        res,
        { error: 'Sign in again: the code must follow the password within 5 minutes.' },
        401,
      );
      return;
    }
    const locked = await lockedFor(deps.db, user.username);
    if (locked > 0) {
      await destroySession(deps.db, cookie);
      loginPage(req, res, { error: lockMessage(locked), username: user.username }, 429);
      return;
    }
    const code = (formString(req.body, 'code') ?? '').slice(0, 40);
    if (!(await verifySecondFactor(deps.db, user.id, code))) {
      const lock = await recordFailure(deps.db, user.username);
      deps.log.warn({ username: user.username, ip: req.ip }, 'wrong second-factor code');
      await signInEvent(req, user.username, 'failed: code', user.id);
      if (lock > 0) {
        await destroySession(deps.db, cookie);
        loginPage(req, res, { error: `Wrong code. ${lockMessage(lock)}`, username: user.username }, 401);
        return;
      }
      codePage(req, res, { error: 'Wrong code.', next }, 401);
      return;
    }
    await destroySession(deps.db, cookie);
    await signIn(req, res, user.id, user.username, next);
  });

  router.post('/logout', async (req, res) => {
    const cookie = cookieOf(req);
    if (cookie) await destroySession(deps.db, cookie);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.redirect(303, '/login');
  });

  return router;
}

// Only local paths: an open redirect would turn the sign-in page into a phishing aid.
function safeNext(next: string | undefined): string | undefined {
  return next && /^\/(?![/\\])[^\\]*$/.test(next) ? next : undefined;
}
