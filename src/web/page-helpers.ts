import type { NextFunction, Request, Response } from 'express';
import type { Knex } from 'knex';
import type { Role } from '../auth/users.repo';
import { AppError } from '../http/errors';
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

// A page a POST handler shows again, with extra data (the reasons, what was posted) and a status;
// ShowPageOf is that for the page of one row (its key).
export type ShowPage = (
  req: Request,
  res: Response,
  extra?: Record<string, unknown>,
  status?: number,
) => Promise<void>;
// A list page: the template, its title and nav entry, and the rows `load` reads; what a POST
// adds (a refusal's message) goes on top, under its status.
export function listPage(
  template: string,
  title: string,
  nav: string,
  load: (req: Request) => Promise<Record<string, unknown>>,
): ShowPage {
  return async (req, res, extra = {}, status = 200) => {
    sendPage(req, res, template, { title, nav, ...(await load(req)), ...extra }, status);
  };
}

export type ShowPageOf<K> = (
  req: Request,
  res: Response,
  key: K,
  extra?: Record<string, unknown>,
  status?: number,
) => Promise<void>;

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

// A text field as filled in, trimmed; undefined when it is missing or blank.
export function formText(body: unknown, key: string): string | undefined {
  const v = formString(body, key)?.trim();
  return v === undefined || v === '' ? undefined : v;
}

// The named fields that were filled in: an empty field means "not given", so the schema's
// defaults and optional checks apply.
export function givenFields(body: unknown, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of keys) {
    const value = formString(body, key);
    if (value !== undefined && value.trim() !== '') out[key] = value;
  }
  return out;
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

export function notFoundPage(req: Request, res: Response, what: string): void {
  sendPage(
    req,
    res,
    'error',
    { title: 'Not found', heading: 'Not found', message: `There is no ${what}.` },
    404,
  );
}

// Handlers of /<things>/:id...: an id that is not a positive integer gets the same "not found"
// page as a row that does not exist, and the handler receives the id as a number.
export function withId(
  what: string,
  handler: (req: Request, res: Response, id: number) => Promise<void>,
): (req: Request, res: Response) => Promise<void> {
  return async (req, res) => {
    const raw = req.params['id'];
    if (typeof raw !== 'string' || !/^[1-9][0-9]{0,9}$/.test(raw)) {
      notFoundPage(req, res, what);
      return;
    }
    await handler(req, res, Number(raw));
  };
}

// The greetings a form offers (a prompt, a box's greeting, an announcement), by name.
export async function greetingChoices(db: Knex): Promise<Array<{ id: number; name: string }>> {
  return (await db('greetings').orderBy('name').select('id', 'name')) as Array<{ id: number; name: string }>;
}
