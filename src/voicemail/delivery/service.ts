import type { Knex } from 'knex';
import { AppError, UnprocessableError, ValidationError } from '../../http/errors';
import type { Logger } from '../../lib/log';
import { sendTestEmail } from './mailer';
import * as repo from './repo';
import type { DeliveryListQuery, SmtpSettingsInput, SmtpSettingsView } from './schema';

export async function getSmtpSettings(db: Knex): Promise<SmtpSettingsView> {
  return repo.smtpView(await repo.getSmtp(db));
}

export async function saveSmtpSettings(
  tx: Knex.Transaction,
  input: SmtpSettingsInput,
): Promise<SmtpSettingsView> {
  checkPasswordDestination(await repo.getSmtpForUpdate(tx), input);
  await repo.saveSmtp(tx, input);
  return repo.smtpView(await repo.getSmtp(tx));
}

// The stored password must not follow the settings to another server: a changed host, port or
// TLS mode needs the password again (or null), and SMTP AUTH (PLAIN/LOGIN sends the password
// itself, only base64-encoded) is refused over a plain connection.
function checkPasswordDestination(existing: repo.SmtpSettings | undefined, input: SmtpSettingsInput): void {
  const stored = existing?.password ?? null;
  const moved =
    existing !== undefined &&
    (existing.host !== input.host || existing.port !== input.port || existing.tls_mode !== input.tls_mode);
  if (moved && stored !== null && input.password === undefined) {
    throw new ValidationError(
      [
        {
          path: 'password',
          message:
            'enter the password again: the host, port or TLS mode changed, and the stored password is only sent to the server it was entered for',
        },
      ],
      'the SMTP server changed: its password must be entered again',
    );
  }
  const password = input.password === undefined ? stored : input.password;
  if (input.tls_mode === 'none' && password !== null) {
    throw new ValidationError(
      [
        {
          path: 'tls_mode',
          message: 'a password is only sent over TLS: choose starttls or tls, or remove the password',
        },
      ],
      'a password cannot be sent without TLS',
    );
  }
}

// Sends now, synchronously. A failure answers with one generic message: the remote's own words
// (refused connection, greeting, banner) would turn this button into a probe of any host and
// port the server can reach. The reason goes to the server log for the admin.
export async function sendTest(
  db: Knex,
  log: Logger,
  to: string,
): Promise<{ sent: true; to: string; message_id: string }> {
  const settings = await repo.getSmtp(db);
  if (!settings) throw new UnprocessableError('save the SMTP settings first');
  try {
    return { sent: true, to, message_id: await sendTestEmail(settings, to) };
  } catch (err) {
    log.warn({ err, host: settings.host, port: settings.port }, 'SMTP test email failed');
    throw new AppError(
      502,
      'smtp_failed',
      'the SMTP server did not take the test email; the reason is in Switchboard’s log',
    );
  }
}

export function listDeliveries(db: Knex, q: DeliveryListQuery) {
  return repo.list(db, q);
}
