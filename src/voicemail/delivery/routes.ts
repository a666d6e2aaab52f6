import { Router } from 'express';
import { withTx } from '../../db/tx';
import type { Deps } from '../../deps';
import { ADMIN, ApiRouter, apiRouter } from '../../http/api';
import { DeliveryListQuery, SmtpSettingsInput, TestEmailInput } from './schema';
import * as service from './service';

export function smtpRoutes(deps: Deps): Router {
  const api = apiRouter(deps, '/api/v1/smtp');
  api.op(
    {
      method: 'get',
      path: '/',
      summary: 'Outgoing mail (SMTP) settings; the password is never returned',
      roles: ADMIN,
    },
    async () => service.getSmtpSettings(deps.db),
  );
  api.op(
    {
      method: 'put',
      path: '/',
      summary: 'Set the SMTP server used for voicemail-to-email (password left out: kept; null: removed)',
      roles: ADMIN,
      body: SmtpSettingsInput,
    },
    async ({ body }) => withTx(deps.db, (tx) => service.saveSmtpSettings(tx, body)),
  );
  api.op(
    {
      method: 'post',
      path: '/test',
      summary:
        'Send a test email now with the saved settings (502 with a generic reason if it fails; the detail is logged)',
      roles: ADMIN,
      body: TestEmailInput,
    },
    async ({ body }) => service.sendTest(deps.db, deps.log, body.to),
  );
  return api.router;
}

export function deliveryRoutes(deps: Deps): Router {
  const router = Router();
  const api = new ApiRouter(router, '/api/v1/voicemail-deliveries', deps.openapi);
  api.op(
    {
      method: 'get',
      path: '/',
      summary: 'Voicemail-to-email delivery log, newest first (status, attempts, last error)',
      roles: ADMIN,
      query: DeliveryListQuery,
    },
    async ({ query }) => service.listDeliveries(deps.db, query),
  );
  return api.router;
}
