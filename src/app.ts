import { join } from 'node:path';
import cookieParser from 'cookie-parser';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { applyRoutes } from './apply/routes';
import { auditPages, auditRequests, auditRoutes } from './audit';
import { authenticate, csrfProtect } from './auth/middleware';
import { isDbUnavailable } from './db/mysql-errors';
import type { Deps } from './deps';
import { FEATURES } from './features';
import { AppError, NotFoundError, ValidationError } from './http/errors';
import { urlWithoutQuery } from './lib/log';
import { healthRoutes } from './ops/health';
import { TEMPLATE_ROOT } from './render/engine';
import { applyPages } from './web/apply-pages';
import { authPages } from './web/auth-pages';
import { sendPage } from './web/page-helpers';

// The express app without listen(), so tests mount it in-process.
export function createApp(deps: Deps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxy);
  app.use(
    helmet({
      contentSecurityPolicy: { directives: { 'script-src': ["'self'"], 'upgrade-insecure-requests': null } },
    }),
  );
  app.use((req, res, next) => {
    const end = deps.metrics.httpDuration.startTimer({ method: req.method });
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path;
      end({ route: route ? `${req.baseUrl}${route}` : 'unmatched', status: String(res.statusCode) });
    });
    next();
  });
  app.use('/static', express.static(join(TEMPLATE_ROOT, 'static'), { maxAge: '1h' }));
  app.use(
    healthRoutes(
      deps,
      FEATURES.flatMap((f) => (f.status ? [f.status] : [])),
    ),
  );
  // Who is calling is known before any body is read (authenticate needs only headers and the
  // cookie), so an anonymous request can make Switchboard parse at most a sign-in form's worth;
  // the large limits (6 MB forms: CSV imports pasted into pages) are for signed-in callers only.
  app.use(cookieParser());
  app.use(authenticate(deps.db));
  app.use(bodyParsers());
  for (const feature of FEATURES) if (feature.uploads) app.use(feature.uploads());
  app.use(csrfProtect);
  // After the uploads' parsers, so their fields are in the audit row's `after`.
  app.use(auditRequests(deps.db, deps.log));

  app.get('/api/v1/openapi.json', (_req, res) => {
    res.json(deps.openapi.document());
  });
  app.get('/api/docs', (_req, res) => {
    res.type('html').send(apiDocsPage(deps.openapi.document()));
  });
  app.use('/api/v1/apply', applyRoutes(deps));
  app.use('/api/v1/audit', auditRoutes(deps));
  for (const feature of FEATURES) {
    for (const { path, router } of feature.api?.(deps) ?? []) {
      if (path) app.use(path, router);
      else app.use(router);
    }
  }
  app.use('/api', (_req, _res, next) => next(new NotFoundError('API route')));

  app.use(authPages(deps));
  app.use(applyPages(deps));
  app.use(auditPages(deps));
  for (const feature of FEATURES) for (const router of feature.pages?.(deps) ?? []) app.use(router);
  app.get('/', (_req, res) => res.redirect(303, '/extensions'));

  app.use((req: Request, res: Response) => {
    sendPage(
      req,
      res,
      'error',
      { title: 'Not found', heading: 'Not found', message: 'There is no such page.' },
      404,
    );
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const appError = toAppError(err);
    if (appError.status >= 500)
      deps.log.error({ err, url: urlWithoutQuery(req.originalUrl) }, 'request failed');
    if (res.headersSent) return;
    if (appError.code === 'database_unavailable') res.setHeader('Retry-After', '5');
    if (req.originalUrl.startsWith('/api/') || !req.accepts('html')) {
      res.status(appError.status).json(appError.toBody());
    } else {
      sendPage(
        req,
        res,
        'error',
        {
          title: 'Error',
          heading: appError.status >= 500 ? 'Something went wrong' : 'Request refused',
          message: appError.message,
        },
        appError.status,
      );
    }
  });
  return app;
}

const ANONYMOUS_BODY_LIMIT = '16kb';

function bodyParsers(): express.RequestHandler {
  const signedIn = [
    express.json({ limit: '256kb' }),
    express.urlencoded({ extended: false, limit: '6mb', parameterLimit: 2000 }),
  ];
  const anonymous = [
    express.json({ limit: ANONYMOUS_BODY_LIMIT }),
    express.urlencoded({ extended: false, limit: ANONYMOUS_BODY_LIMIT, parameterLimit: 50 }),
  ];
  return (req, res, next) => {
    const [json, form] = req.auth ? signedIn : anonymous;
    json!(req, res, (err?: unknown) => (err ? next(err) : form!(req, res, next)));
  };
}

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as { type?: string; status?: number } | null;
  if (e?.type === 'entity.parse.failed')
    return new ValidationError([{ path: '(body)', message: 'the body is not valid JSON' }]);
  if (e?.type === 'entity.too.large')
    return new AppError(413, 'payload_too_large', 'the request body is too large');
  if (e?.type === 'charset.unsupported' || e?.type === 'encoding.unsupported')
    return new AppError(415, 'unsupported_media_type', 'unsupported encoding');
  if (isDbUnavailable(err))
    return new AppError(
      503,
      'database_unavailable',
      'the database is not reachable: try again in a moment (calls are not affected)',
    );
  return new AppError(500, 'internal', 'internal error');
}

function apiDocsPage(doc: Record<string, unknown>): string {
  const paths = doc['paths'] as Record<string, Record<string, { summary: string; description: string }>>;
  const rows = Object.entries(paths)
    .flatMap(([path, ops]) =>
      Object.entries(ops).map(
        ([method, op]) =>
          `<tr><td class="mono">${method.toUpperCase()}</td><td class="mono">${escapeHtml(path)}</td><td>${escapeHtml(op.summary)}</td><td>${escapeHtml(op.description)}</td></tr>`,
      ),
    )
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Switchboard API</title><link rel="stylesheet" href="/static/app.css"></head><body><main><h1>Switchboard API v1</h1><p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1). Authenticate with <code>Authorization: Bearer &lt;token&gt;</code>.</p><table class="list"><thead><tr><th>Method</th><th>Path</th><th>What</th><th>Who</th></tr></thead><tbody>${rows}</tbody></table></main></body></html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
