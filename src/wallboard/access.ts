import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Knex } from 'knex';
import { requireRole } from '../auth/middleware';
import type { Role } from '../auth/users.repo';
import { UnauthenticatedError } from '../http/errors';
import { findKiosk } from './kiosk';

export interface KioskViewer {
  id: number;
  name: string;
}

// The kiosk token travels in the query (?kiosk=…): a wall screen has no session, and an
// EventSource cannot send headers. It is read only by the wallboard's own routes, so it opens
// nothing else. A token that is present but not valid is refused even for a signed-in user.
export async function kioskFrom(db: Knex, req: Request): Promise<KioskViewer | null | 'invalid'> {
  const raw = req.query['kiosk'];
  if (raw === undefined) return null;
  if (typeof raw !== 'string') return 'invalid';
  return (await findKiosk(db, raw)) ?? 'invalid';
}

export function kioskOrRole(db: Knex, ...roles: Role[]): RequestHandler {
  const byRole = requireRole(...roles);
  return async (req: Request, res: Response, next: NextFunction) => {
    const kiosk = await kioskFrom(db, req);
    if (kiosk === 'invalid')
      return next(new UnauthenticatedError('the kiosk token is not valid, was revoked or has expired'));
    if (kiosk) {
      res.locals['kiosk'] = kiosk;
      return next();
    }
    byRole(req, res, next);
  };
}
