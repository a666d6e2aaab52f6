import { type Request, type Response, Router } from 'express';
import { withTx } from '../../db/tx';
import type { Deps } from '../../deps';
import { parse } from '../../http/parse';
import { formNumber, handleForm, parseForm } from '../../web/forms';
import { formString, requirePage, sendPage } from '../../web/page-helpers';
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
    const raw: Record<string, unknown> = {
      host: text('host'),
      port: formNumber(body, 'port', { min: 1, max: 65_535 }) ?? '',
      tls_mode: text('tls_mode'),
      username: optional('username'),
      from_address: text('from_address'),
      from_name: optional('from_name'),
    };
    // An empty password field keeps the stored one; the checkbox removes it.
    if (formString(body, 'remove_password') === 'on') raw['password'] = null;
    else if ((formString(body, 'password') ?? '') !== '') raw['password'] = formString(body, 'password');
    await handleForm(res, {
      run: async () => {
        const input = parseForm(SmtpSettingsInput, raw);
        await withTx(deps.db, (tx) => service.saveSmtpSettings(tx, input));
      },
      done: () => page(req, res, { flash: 'SMTP settings saved.' }),
      refused: ({ status, errorMessage, errors }) =>
        page(req, res, { errorMessage, errors, values: raw }, status),
    });
  });

  router.post('/settings/email/test', admin, async (req, res) => {
    const to = (formString(req.body, 'to') ?? '').trim();
    await handleForm(res, {
      run: async () => {
        const input = parse(TestEmailInput, { to });
        await service.sendTest(deps.db, deps.log, input.to);
        return input.to;
      },
      done: (sentTo) => page(req, res, { flash: `Test email sent to ${sentTo}.`, testTo: sentTo }),
      // A refusing mail server (502) is shown on the page like a refused form.
      shows: (err) => err.status < 500 || err.status === 502,
      refused: ({ status, errorMessage, errors }) =>
        page(req, res, { testError: errorMessage, errors, testTo: to }, status),
    });
  });

  return router;
}
