import { Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import { verifyLogin } from '../auth/accounts';
import { SESSION_COOKIE } from '../auth/middleware';
import { createSession, destroySession } from '../auth/sessions';
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

  router.get('/login', (req, res) =>
    sendPage(req, res, 'login', { title: 'Sign in', next: safeNext(formString(req.query, 'next')) }),
  );

  router.post('/login', loginLimiter, async (req, res) => {
    const username = (formString(req.body, 'username') ?? '').trim().slice(0, 64);
    const password = (formString(req.body, 'password') ?? '').slice(0, 200);
    const user = username && password ? await verifyLogin(deps.db, username, password) : null;
    if (!user) {
      deps.log.warn({ username, ip: req.ip }, 'failed sign-in');
      sendPage(
        req,
        res,
        'login',
        {
          title: 'Sign in',
          error: 'Wrong username or password.',
          username,
          next: safeNext(formString(req.body, 'next')),
        },
        401,
      );
      return;
    }
    const { token } = await createSession(deps.db, user.id, deps.config.sessionTtlHours);
    res.cookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: deps.config.cookieSecure,
      maxAge: deps.config.sessionTtlHours * 3_600_000,
      path: '/',
    });
    res.redirect(
      303,
      safeNext(formString(req.body, 'next') ?? formString(req.query, 'next')) ?? '/extensions',
    );
  });

  router.post('/logout', async (req, res) => {
    const cookie = (req.cookies as Record<string, unknown>)[SESSION_COOKIE];
    if (typeof cookie === 'string') await destroySession(deps.db, cookie);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.redirect(303, '/login');
  });

  return router;
}

// Only local paths: an open redirect would turn the sign-in page into a phishing aid.
function safeNext(next: string | undefined): string | undefined {
  return next && /^\/(?![/\\])[^\\]*$/.test(next) ? next : undefined;
}
