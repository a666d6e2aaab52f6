import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Knex } from 'knex';
import { AppError, ForbiddenError, UnauthenticatedError } from '../http/errors';
import { safeEqual } from '../lib/crypto';
import { mfaEnabled } from './mfa';
import { mfaRequiredRoles } from './policy';
import { findSession } from './sessions';
import { findToken, type TokenScope } from './tokens';
import { findById, type Role, type UserRow } from './users.repo';

export const SESSION_COOKIE = 'sb_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface AuthUser {
  id: number;
  username: string;
  role: Role;
  extensionNumber: string | null;
}

export interface AuthContext {
  user: AuthUser;
  via: 'session' | 'token';
  csrfToken: string | null;
  // What a token may do (sessions are always 'full').
  scope: TokenScope;
  // A session that must first change its password or enrol a second factor reaches only the
  // account pages until it has.
  gate: AccountGate | null;
}

export type AccountGate = 'password' | 'mfa';

declare global {
  namespace Express {
    interface Request {
      auth?: AuthContext;
    }
  }
}

// Identifies the caller (bearer token or session cookie). It refuses only what no route may
// accept: an unknown or expired token (401), a write with a read-only token (403), and a gated
// session anywhere but its account pages.
export function authenticate(db: Knex): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization');
    let userId: number | null = null;
    let via: AuthContext['via'] = 'token';
    let csrfToken: string | null = null;
    let scope: TokenScope = 'full';
    if (header?.startsWith('Bearer ')) {
      const found = await findToken(db, header.slice(7).trim());
      if (found.status === 'expired') return next(new UnauthenticatedError('the API token has expired'));
      if (found.status !== 'valid') return next(new UnauthenticatedError('the API token is not valid'));
      if (found.scope === 'read' && !SAFE_METHODS.has(req.method))
        return next(new ForbiddenError('this API token is read-only'));
      userId = found.userId;
      scope = found.scope;
    } else {
      const cookie = (req.cookies as Record<string, unknown> | undefined)?.[SESSION_COOKIE];
      if (typeof cookie === 'string' && cookie.length > 0 && cookie.length < 200) {
        const session = await findSession(db, cookie);
        if (session) {
          userId = session.userId;
          via = 'session';
          csrfToken = session.csrfToken;
        }
      }
    }
    if (userId === null) return next();
    const user = await findById(db, userId);
    if (!user || user.disabled) return next();
    const gate = via === 'session' ? await gateOf(db, user) : null;
    req.auth = {
      user: { id: user.id, username: user.username, role: user.role, extensionNumber: user.extension_number },
      via,
      csrfToken,
      scope,
      gate,
    };
    const open = gate ? [GATE_PAGE[gate], ...GATE_OPEN] : [];
    if (gate && !open.some((p) => req.path === p || req.path.startsWith(`${p}/`))) {
      if (req.path.startsWith('/api/')) return next(gateError(gate));
      res.redirect(303, GATE_PAGE[gate]);
      return;
    }
    next();
  };
}

// The API with a token is not gated: tokens are made deliberately, for machines.
async function gateOf(db: Knex, user: UserRow): Promise<AccountGate | null> {
  if (user.must_change_password) return 'password';
  if (!mfaEnabled(user) && (await mfaRequiredRoles(db)).includes(user.role)) return 'mfa';
  return null;
}

// What a gated session may still reach: the one account page that lifts its gate, signing out,
// the sign-in pages. Not the rest of /account: a full API token made there would outlive the gate
// (tokens are never gated), so whoever holds a printed first-admin password could skip the change.
const GATE_OPEN = ['/logout', '/login', '/static'];
export const GATE_PAGE: Record<AccountGate, string> = {
  password: '/account/password',
  mfa: '/account/mfa',
};

function gateError(gate: AccountGate): AppError {
  return gate === 'password'
    ? new AppError(403, 'password_change_required', 'change your password first (at /account/password)')
    : new AppError(
        403,
        'mfa_enrolment_required',
        'your role must use a second factor: enrol at /account/mfa',
      );
}

export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    if (!req.auth) return next(new UnauthenticatedError());
    if (!roles.includes(req.auth.user.role)) return next(new ForbiddenError());
    next();
  };
}

// Cookies ride along on cross-site requests; bearer tokens do not. So only session-authenticated
// state changes must prove they come from our own pages (synchronizer token).
export function csrfProtect(req: Request, _res: Response, next: NextFunction): void {
  if (SAFE_METHODS.has(req.method) || req.auth?.via !== 'session') {
    next();
    return;
  }
  const body = req.body as Record<string, unknown> | undefined;
  const sent = req.get('x-csrf-token') ?? (typeof body?.['_csrf'] === 'string' ? body['_csrf'] : undefined);
  if (!sent || !req.auth.csrfToken || !safeEqual(sent, req.auth.csrfToken)) {
    next(new AppError(403, 'csrf_failed', 'missing or invalid CSRF token'));
    return;
  }
  next();
}

export function actorName(req: Request): string {
  return req.auth ? `${req.auth.user.username} (${req.auth.via})` : 'anonymous';
}
