import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../http/errors';
import type { Role } from '../users/repo';
import { renderPage } from './views';

export function sendPage(
  req: Request,
  res: Response,
  name: string,
  data: Record<string, unknown>,
  status = 200,
): void {
  res
    .status(status)
    .type('html')
    .send(
      renderPage(name, { ...data, user: req.auth?.user ?? null, csrfToken: req.auth?.csrfToken ?? null }),
    );
}

// Pages send people to the sign-in form rather than answering 401 JSON.
export function requirePage(...roles: Role[]) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.auth?.via !== 'session') {
      res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
      return;
    }
    if (!roles.includes(req.auth.user.role)) {
      sendPage(
        req,
        res,
        'error',
        { title: 'Forbidden', heading: 'Not allowed', message: 'Your role does not allow this page.' },
        403,
      );
      return;
    }
    next();
  };
}

export function formString(body: unknown, key: string): string | undefined {
  const value = (body as Record<string, unknown> | undefined)?.[key];
  return typeof value === 'string' ? value : undefined;
}

export function formList(body: unknown, key: string): string[] {
  const value = (body as Record<string, unknown> | undefined)?.[key];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}

// A refused request (4xx) re-renders its form with the reasons; anything else propagates.
export function refusal(err: unknown): AppError {
  if (err instanceof AppError && err.status < 500) return err;
  throw err;
}
