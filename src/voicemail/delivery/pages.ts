import { type Request, type Response, Router } from 'express';
import { withTx } from '../../db/tx';
import type { Deps } from '../../deps';
import { AppError } from '../../http/errors';
import { parse } from '../../http/parse';
import { formString, refusal, requirePage, sendPage } from '../../web/page-helpers';
import { SmtpSettingsInput, TestEmailInput } from './schema';
import * as service from './service';

export function emailSettingsPages(deps: Deps): Router {
  const router = Router();
  const admin = requirePage('admin');

  const page = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    const [smtp, log] = await Promise.all([
      service.getSmtpSettings(deps.db),
      service.listDeliveries(deps.db, { limit: 100 }),
    ]);
    sendPage(
      req,
      res,
      'settings/email',
      {
        title: 'Email',
        nav: 'email',
        smtp,
        values: extra['values'] ?? smtp,
        deliveries: log.items,
        ...extra,
      },
      status,
    );
  };

  router.get('/settings/email', admin, (req, res) => page(req, res));

  router.post('/settings/email', admin, async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const text = (k: string) => (formString(body, k) ?? '').trim();
    const optional = (k: string) => (text(k) === '' ? null : text(k));
    const port = text('port');
    const raw: Record<string, unknown> = {
      host: text('host'),
      port: /^[0-9]{1,5}$/.test(port) ? Number(port) : port,
      tls_mode: text('tls_mode'),
      username: optional('username'),
      from_address: text('from_address'),
      from_name: optional('from_name'),
    };
    // An empty password field keeps the stored one; the checkbox removes it.
    if (formString(body, 'remove_password') === 'on') raw['password'] = null;
    else if ((formString(body, 'password') ?? '') !== '') raw['password'] = formString(body, 'password');
    try {
      const input = parse(SmtpSettingsInput, raw);
      await withTx(deps.db, (tx) => service.saveSmtpSettings(tx, input));
      await page(req, res, { flash: 'SMTP settings saved.' });
    } catch (caught) {
      const err = refusal(caught);
      await page(req, res, { errorMessage: err.message, errors: err.details, values: raw }, err.status);
    }
  });

  router.post('/settings/email/test', admin, async (req, res) => {
    const to = (formString(req.body, 'to') ?? '').trim();
    try {
      const input = parse(TestEmailInput, { to });
      await service.sendTest(deps.db, input.to);
      await page(req, res, { flash: `Test email sent to ${input.to}.`, testTo: input.to });
    } catch (caught) {
      // A refusing mail server (502) is shown on the page like a refused form.
      if (!(caught instanceof AppError) || (caught.status >= 500 && caught.status !== 502)) throw caught;
      await page(req, res, { testError: caught.message, errors: caught.details, testTo: to }, caught.status);
    }
  });

  return router;
}
