import { join } from 'node:path';
import cookieParser from 'cookie-parser';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { announcementPages } from './announcements/pages';
import { announcementRoutes } from './announcements/routes';
import { applyRoutes } from './apply/routes';
import { authenticate, csrfProtect } from './auth/middleware';
import { callHandlingPages } from './call-handling/pages';
import { callHandlingRoutes } from './call-handling/routes';
import { callFlowPages } from './callflow/pages';
import { callFlowRoutes } from './callflow/routes';
import { departmentPages } from './departments/pages';
import { departmentRoutes } from './departments/routes';
import type { Deps } from './deps';
import { emergencyPages } from './emergency/pages';
import { emergencyRoutes } from './emergency/routes';
import { extensionPages } from './extensions/pages';
import { extensionRoutes } from './extensions/routes';
import { featureCodePages } from './feature-codes/pages';
import { featureCodeRoutes } from './feature-codes/routes';
import { followMePages } from './follow-me/pages';
import { followMeRoutes } from './follow-me/routes';
import { greetingPages } from './greetings/pages';
import { greetingRoutes } from './greetings/routes';
import { greetingUploads } from './greetings/upload';
import { AppError, NotFoundError, ValidationError } from './http/errors';
import { ivrPages } from './ivrs/pages';
import { ivrRoutes } from './ivrs/routes';
import { callLogPages } from './journeys/pages';
import { callLogRoutes } from './journeys/routes';
import { mohPages } from './moh/pages';
import { mohRoutes } from './moh/routes';
import { mohUploads } from './moh/upload';
import { healthRoutes } from './ops/health';
import { queueLivePages } from './queues/agents/pages';
import { queueAgentRoutes } from './queues/agents/routes';
import { queueCallbackPages } from './queues/callback/pages';
import { queueCallbackRoutes } from './queues/callback/routes';
import { queuePages } from './queues/pages';
import { queueRoutes } from './queues/routes';
import { recordingPages } from './recordings/pages';
import { recordingRoutes } from './recordings/routes';
import { TEMPLATE_ROOT } from './render/engine';
import { reportPages } from './reports/pages';
import { reportRoutes } from './reports/routes';
import { reportScheduleRoutes } from './reports/schedules/routes';
import { reportTemplateRoutes } from './reports/templates/routes';
import { ringGroupPages } from './ring-groups/pages';
import { ringGroupRoutes } from './ring-groups/routes';
import { routePages } from './routes/pages';
import { routeRoutes } from './routes/routes';
import { timeConditionPages } from './time-conditions/pages';
import { timeConditionRoutes } from './time-conditions/routes';
import { trunkPages } from './trunks/pages';
import { trunkRoutes } from './trunks/routes';
import { userPages } from './users/pages';
import { userRoutes } from './users/routes';
import { voicemailBoxPages } from './voicemail/boxes/pages';
import { voicemailBoxRoutes } from './voicemail/boxes/routes';
import { deliveryRoutes, emailSettingsPages, smtpRoutes } from './voicemail/delivery';
import { visualVoicemailPages } from './voicemail/visual/pages';
import { visualVoicemailRoutes } from './voicemail/visual/routes';
import { wallboardPages } from './wallboard/pages';
import { wallboardRoutes } from './wallboard/routes';
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
  app.use(healthRoutes(deps));
  app.use(express.json({ limit: '256kb' }));
  app.use(express.urlencoded({ extended: false, limit: '6mb', parameterLimit: 2000 }));
  app.use(cookieParser());
  app.use(authenticate(deps.db));
  app.use(greetingUploads());
  app.use(mohUploads());
  app.use(csrfProtect);

  app.get('/api/v1/openapi.json', (_req, res) => {
    res.json(deps.openapi.document());
  });
  app.get('/api/docs', (_req, res) => {
    res.type('html').send(apiDocsPage(deps.openapi.document()));
  });
  app.use('/api/v1/extensions', callHandlingRoutes(deps));
  app.use('/api/v1/extensions', followMeRoutes(deps));
  app.use('/api/v1/extensions', extensionRoutes(deps));
  app.use('/api/v1/ring-groups', ringGroupRoutes(deps));
  app.use('/api/v1/feature-codes', featureCodeRoutes(deps));
  app.use('/api/v1/apply', applyRoutes(deps));
  app.use('/api/v1/trunks', trunkRoutes(deps));
  app.use(routeRoutes(deps));
  app.use(userRoutes(deps));
  app.use('/api/v1/greetings', greetingRoutes(deps));
  app.use('/api/v1/ivrs', ivrRoutes(deps));
  app.use('/api/v1/announcements', announcementRoutes(deps));
  app.use('/api/v1/time-conditions', timeConditionRoutes(deps));
  app.use('/api/v1/emergency', emergencyRoutes(deps));
  // Before the queues' own routes, so /callbacks is not read as a queue number.
  app.use('/api/v1/queues/callbacks', queueCallbackRoutes(deps));
  app.use('/api/v1/queues', queueRoutes(deps));
  app.use(callFlowRoutes(deps));
  app.use('/api/v1/voicemail-boxes', voicemailBoxRoutes(deps));
  app.use('/api/v1/smtp', smtpRoutes(deps));
  app.use('/api/v1/voicemail-deliveries', deliveryRoutes(deps));
  app.use('/api/v1/voicemail-boxes', visualVoicemailRoutes(deps));
  app.use('/api/v1/moh', mohRoutes(deps));
  app.use('/api/v1/queues', queueAgentRoutes(deps));
  app.use('/api/v1/calls', callLogRoutes(deps));
  app.use('/api/v1/reports', reportRoutes(deps));
  app.use('/api/v1/report-templates', reportTemplateRoutes(deps));
  app.use('/api/v1/report-schedules', reportScheduleRoutes(deps));
  app.use('/api/v1/departments', departmentRoutes(deps));
  app.use(recordingRoutes(deps));
  app.use('/api/v1/wallboard', wallboardRoutes(deps));
  app.use('/api', (_req, _res, next) => next(new NotFoundError('API route')));

  app.use(authPages(deps));
  app.use(callHandlingPages(deps));
  app.use(extensionPages(deps));
  app.use(featureCodePages(deps));
  app.use(trunkPages(deps));
  app.use(routePages(deps));
  app.use(applyPages(deps));
  app.use(userPages(deps));
  app.use(greetingPages(deps));
  app.use(ivrPages(deps));
  app.use(ringGroupPages(deps));
  app.use(followMePages(deps));
  app.use(voicemailBoxPages(deps));
  app.use(announcementPages(deps));
  app.use(timeConditionPages(deps));
  app.use(emergencyPages(deps));
  app.use(queueCallbackPages(deps));
  app.use(queuePages(deps));
  app.use(callFlowPages(deps));
  app.use(emailSettingsPages(deps));
  app.use(visualVoicemailPages(deps));
  app.use(queueLivePages(deps));
  app.use(mohPages(deps));
  app.use(callLogPages(deps));
  app.use(reportPages(deps));
  app.use(departmentPages(deps));
  app.use(recordingPages(deps));
  app.use(wallboardPages(deps));
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
    if (appError.status >= 500) deps.log.error({ err, url: req.originalUrl }, 'request failed');
    if (res.headersSent) return;
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

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as { type?: string; status?: number } | null;
  if (e?.type === 'entity.parse.failed')
    return new ValidationError([{ path: '(body)', message: 'the body is not valid JSON' }]);
  if (e?.type === 'entity.too.large')
    return new AppError(413, 'payload_too_large', 'the request body is too large');
  if (e?.type === 'charset.unsupported' || e?.type === 'encoding.unsupported')
    return new AppError(415, 'unsupported_media_type', 'unsupported encoding');
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
