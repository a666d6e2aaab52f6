import { AsyncLocalStorage } from 'node:async_hooks';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Knex } from 'knex';
import type { Logger } from '../lib/log';
import { type AuditEntry, recordAudit, setAuditObjectId, setAuditOutcome } from './repo';

// The audit row of one mutating request, pending until a unit of work writes it. withTx writes it
// inside its own transaction (so a rolled-back change leaves no row and a committed one always
// has its row); a request that changed nothing through withTx gets it just before its answer,
// or, failing that, when the answer has gone.
export interface AuditScope {
  readonly db: Knex;
  readonly req: Request;
  summary?: string;
  objectId?: string;
  before?: unknown;
  after?: unknown;
  rowId?: number;
  written: boolean;
  // Set once the answer has gone: background work the request started (a debounced apply)
  // carries the scope along in its async context, but must not write the request's row.
  closed: boolean;
}

const storage = new AsyncLocalStorage<AuditScope>();
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

declare global {
  namespace Express {
    interface Request {
      auditScope?: AuditScope;
    }
  }
}

export function currentAuditScope(): AuditScope | undefined {
  const scope = storage.getStore();
  return scope && !scope.closed ? scope : undefined;
}

// Runs fn inside the request's scope again. Stream-driven middleware (multer, a route's own body
// parser) calls next() from an I/O callback that lost the async context; the API router puts it
// back around each handler.
export function withAuditScope<T>(req: Request, fn: () => T): T {
  return req.auditScope ? storage.run(req.auditScope, fn) : fn();
}

// Express route pattern → OpenAPI style: "/api/v1/extensions/:number" → "/api/v1/extensions/{number}".
function routePattern(req: Request): string {
  const route = (req.route as { path?: unknown } | undefined)?.path;
  const path = typeof route === 'string' ? `${req.baseUrl}${route}` : (req.originalUrl.split('?')[0] ?? '');
  return path.replace(/:([A-Za-z_]+)/g, '{$1}');
}

function objectTypeOf(pattern: string): string | null {
  const rest = pattern
    .replace(/^\/api\/v1\//, '/')
    .split('/')
    .filter(Boolean);
  return rest[0] ?? null;
}

export function entryOf(scope: AuditScope, outcome = 'ok'): AuditEntry {
  const { req } = scope;
  const pattern = routePattern(req);
  const params = Object.values((req.params ?? {}) as Record<string, string>).filter((v) => v !== undefined);
  return {
    actorUserId: req.auth?.user.id ?? null,
    actor: req.auth?.user.username ?? 'anonymous',
    via: req.auth?.via ?? 'system',
    ip: req.ip ?? null,
    method: req.method,
    action: `${req.method} ${pattern}`,
    summary: scope.summary ?? null,
    objectType: objectTypeOf(pattern),
    objectId: params.length > 0 ? params.join('/') : (scope.objectId ?? null),
    before: scope.before,
    after: scope.after,
    outcome,
  };
}

// Marks the scope written before the insert is awaited, so two units of work of one request
// running side by side (Promise.all) cannot both write its row; a failed insert unmarks it.
async function writeOnce(scope: AuditScope, db: Knex | Knex.Transaction): Promise<void> {
  scope.written = true;
  try {
    scope.rowId = await recordAudit(db, entryOf(scope));
  } catch (err) {
    scope.written = false;
    throw err;
  }
}

// Called by withTx at the end of its unit of work, inside the transaction. Returns a function
// that undoes the bookkeeping when that transaction does not commit.
export async function writePendingAudit(trx: Knex.Transaction): Promise<(() => void) | null> {
  const scope = currentAuditScope();
  if (!scope || scope.written) return null;
  await writeOnce(scope, trx);
  return () => {
    scope.written = false;
    delete scope.rowId;
  };
}

// Called by the API router once its handler has succeeded and before it answers: writes the row
// of a request that changed nothing through withTx (originate, apply, test email…), or gives a
// created object's row the new object's id.
export async function completeAudit(req: Request, result: unknown): Promise<void> {
  const scope = req.auditScope;
  if (!scope || scope.closed) return;
  if (scope.written && scope.rowId === undefined) return;
  const created = createdId(result);
  if (!scope.written) {
    if (created !== undefined) scope.objectId = created;
    await writeOnce(scope, scope.db);
  } else if (
    created !== undefined &&
    scope.rowId !== undefined &&
    Object.keys(req.params ?? {}).length === 0
  ) {
    await setAuditObjectId(scope.db, scope.rowId, created);
  }
}

function createdId(result: unknown): string | undefined {
  if (result === null || typeof result !== 'object') return undefined;
  const r = result as Record<string, unknown>;
  for (const k of ['id', 'number']) {
    const v = r[k];
    if (typeof v === 'number' || (typeof v === 'string' && v.length > 0)) return String(v);
  }
  return undefined;
}

// Opens the scope of every authenticated mutating request (API and forms). Anonymous ones
// (the login form) are recorded by their own handlers. Reads are not recorded here, except a
// read answered as a download (CSV exports, recordings).
export function auditRequests(db: Knex, log: Logger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!req.auth) return next();
    const mutating = MUTATING.has(req.method);
    // A read's scope is closed from the start: nothing writes it during the request; it only
    // carries the operation's summary to the download check.
    const scope: AuditScope = {
      db,
      req,
      written: false,
      closed: !mutating,
      ...(mutating ? { after: formFields(req.body) } : {}),
    };
    req.auditScope = scope;
    beforeAnswerEnds(res, log, async () => {
      scope.closed = true;
      const failed = res.statusCode >= 400;
      if (!mutating) {
        const disposition = String(res.getHeader('content-disposition') ?? '');
        if (scope.written || failed || !disposition.startsWith('attachment')) return;
        scope.summary ??= `Download (${disposition.slice(0, 200)})`;
      } else if (scope.written) {
        if (failed && scope.rowId !== undefined)
          await setAuditOutcome(db, scope.rowId, `failed ${res.statusCode}`);
        return;
      } else if (failed) {
        return;
      }
      await writeOnce(scope, db);
    });
    if (mutating) storage.run(scope, next);
    else next();
  };
}

// Runs `work` once, when the answer is about to end, and ends it only then: whoever reads the
// answer (a test, a script that downloads an export) finds its row already written. A failed
// write is logged; the answer still ends.
const ending = new WeakSet<Response>();

// Whether the answer is already given, though perhaps still waiting for its audit row.
export function answered(res: Response): boolean {
  return res.headersSent || ending.has(res);
}

function beforeAnswerEnds(res: Response, log: Logger, work: () => Promise<void>): void {
  const end = res.end.bind(res) as (...args: unknown[]) => Response;
  res.end = ((...args: unknown[]) => {
    if (ending.has(res)) return end(...args);
    ending.add(res);
    work()
      .catch((err: unknown) => log.error({ err }, 'audit write failed'))
      .finally(() => end(...args));
    return res;
  }) as Response['end'];
}

// A form's fields without the CSRF token (which the redaction would hide anyway).
function formFields(body: unknown): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const { _csrf: _drop, ...rest } = body as Record<string, unknown>;
  return Object.keys(rest).length > 0 ? rest : undefined;
}

// Reads that hand out secrets (an export with secrets) record themselves before they answer,
// so a download is never delivered unrecorded.
export async function auditRead(req: Request, db: Knex, summary: string): Promise<void> {
  const scope: AuditScope = req.auditScope ?? { db, req, written: false, closed: true };
  req.auditScope = scope;
  scope.summary = summary;
  if (scope.written) return;
  await writeOnce(scope, db);
}
