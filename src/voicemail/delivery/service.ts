import type { Knex } from 'knex';
import { AppError, UnprocessableError } from '../../http/errors';
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
  await repo.saveSmtp(tx, input);
  return repo.smtpView(await repo.getSmtp(tx));
}

// Sends now, synchronously, so the admin sees the server's own words when it refuses.
export async function sendTest(
  db: Knex,
  to: string,
): Promise<{ sent: true; to: string; message_id: string }> {
  const settings = await repo.getSmtp(db);
  if (!settings) throw new UnprocessableError('save the SMTP settings first');
  try {
    return { sent: true, to, message_id: await sendTestEmail(settings, to) };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new AppError(502, 'smtp_failed', `the SMTP server did not take the email: ${reason.slice(0, 300)}`);
  }
}

export function listDeliveries(db: Knex, q: DeliveryListQuery) {
  return repo.list(db, q);
}
