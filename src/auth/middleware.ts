import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Knex } from 'knex';
import { AppError, ForbiddenError, UnauthenticatedError } from '../http/errors';
import { safeEqual } from '../lib/crypto';
import { findSession } from './sessions';
import { findTokenUser } from './tokens';
import { findById, type Role } from './users.repo';

export const SESSION_COOKIE = 'sb_session';

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
}

declare global {
  namespace Express {
    interface Request {
      auth?: AuthContext;
    }
  }
}

// Identifies the caller (bearer token or session cookie) without deciding anything yet.
export function authenticate(db: Knex): RequestHandler {
  return async (req, _res, next) => {
    const header = req.get('authorization');
    let userId: number | null = null;
    let via: AuthContext['via'] = 'token';
    let csrfToken: string | null = null;
    if (header?.startsWith('Bearer ')) {
      userId = await findTokenUser(db, header.slice(7).trim());
      if (userId === null) return next(new UnauthenticatedError('the API token is not valid'));
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
    if (userId !== null) {
      const user = await findById(db, userId);
      if (user && !user.disabled) {
        req.auth = {
          user: {
            id: user.id,
            username: user.username,
            role: user.role,
            extensionNumber: user.extension_number,
          },
          via,
          csrfToken,
        };
      }
    }
    next();
  };
}

export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    if (!req.auth) return next(new UnauthenticatedError());
    if (!roles.includes(req.auth.user.role)) return next(new ForbiddenError());
    next();
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

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
