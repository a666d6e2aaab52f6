import type { Knex } from 'knex';
import type { Ari } from '../asterisk/ari';
import type { Logger } from '../lib/log';
import { getSmtp, transportFor } from '../voicemail';
import * as repo from './repo';

// Spend-guard alerts: the dialplan (sb-spend-alert) raises a UserEvent SbTollAlert when a limit
// refuses a call; it arrives here as ARI ChannelUserevent. The refusal itself never waits for
// Switchboard. Each alert is a row in toll_alerts, its email an outbox entry in the same row,
// sent at once and retried by the job (1, 2, 4, 8 minutes), at most once.

export const ALERT_EVENT = 'SbTollAlert';

interface UserEventData {
  eventname?: string;
  userevent?: Record<string, unknown>;
  channel?: { id?: string };
}

// Every field is checked again: it crossed from the dialplan and ends up in an email.
export function parseAlert(e: UserEventData): repo.NewAlert | null {
  if (e.eventname !== ALERT_EVENT || !e.channel?.id) return null;
  const f = e.userevent ?? {};
  const scope = f['scope'];
  const subject = String(f['subject'] ?? '');
  const limit = f['limit'];
  const dialled = String(f['dialled'] ?? '');
  if (scope !== 'extension' && scope !== 'trunk') return null;
  if (limit !== 'concurrent' && limit !== 'daily') return null;
  if (!/^[a-z0-9][a-z0-9-]{0,39}$/.test(subject) || !/^[0-9*+]{0,24}$/.test(dialled)) return null;
  if (!/^[A-Za-z0-9.;-]{1,64}$/.test(e.channel.id)) return null;
  return { scope, subject, limit_kind: limit, dialled, channel_uid: e.channel.id, email_status: 'pending' };
}

export function alertText(a: Pick<repo.AlertRow, 'scope' | 'subject' | 'limit_kind' | 'dialled'>) {
  const what = a.limit_kind === 'daily' ? 'daily' : 'concurrent';
  return {
    subject: `Switchboard spend guard: ${a.scope} ${a.subject} reached its ${what} international limit`,
    text: [
      `The outbound spend guard refused an international call.`,
      ``,
      `${a.scope === 'extension' ? 'Extension' : 'Trunk'}: ${a.subject}`,
      `Limit reached: ${what === 'daily' ? 'international calls per day' : 'international calls at once'}`,
      `Number dialled: ${a.dialled || '(unknown)'}`,
      ``,
      `If this was not expected, check the extension's forwarding and follow-me and its recent calls:`,
      `it may be toll fraud. Limits are set per extension and per trunk (toll limits).`,
    ].join('\n'),
  };
}

const DAY_MS = 24 * 3600 * 1000;

// The wallboard's alert line: the last day's alerts, newest first, at most five.
export async function recentTollAlerts(
  db: Knex,
  now: Date,
): Promise<Array<{ id: number; text: string; at: string }>> {
  const rows = await repo.listAlerts(db, 5, now.getTime() - DAY_MS);
  return rows.map((a) => ({
    id: a.id,
    // Not the number dialled: a kiosk screen shows this to whoever passes by.
    text: `${a.scope === 'extension' ? 'extension' : 'trunk'} ${a.subject} reached its ${a.limit_kind} international limit`,
    at: new Date(a.created_at).toISOString(),
  }));
}

export class TollAlerts {
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly db: Knex,
    private readonly ari: Ari,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.unsubscribe ??= this.ari.onEvent((name, data) => {
      if (name !== 'ChannelUserevent') return;
      const alert = parseAlert(data as UserEventData);
      if (alert)
        void this.record(alert).catch((err: unknown) => this.log.error({ err }, 'toll alert not recorded'));
    });
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  async record(alert: repo.NewAlert): Promise<void> {
    const to = await repo.alertEmail(this.db);
    const id = await repo.insertAlert(this.db, { ...alert, email_status: to ? 'pending' : 'skipped' });
    if (id === undefined) return;
    this.log.warn(
      { scope: alert.scope, subject: alert.subject, limit: alert.limit_kind },
      'spend guard refused an international call',
    );
    if (to) await this.sendDue();
  }

  // Sends every due alert email; returns how many went out.
  async sendDue(): Promise<number> {
    await repo.releaseStale(this.db, 300);
    let sent = 0;
    for (;;) {
      const alert = await repo.claimDue(this.db);
      if (!alert) return sent;
      const [to, smtp] = await Promise.all([repo.alertEmail(this.db), getSmtp(this.db)]);
      if (!to || !smtp) {
        await repo.markFailed(
          this.db,
          alert.id,
          alert.attempts,
          to ? 'no SMTP server is set' : 'no alert address is set',
        );
        continue;
      }
      const transport = transportFor(smtp);
      try {
        const { subject, text } = alertText(alert);
        await transport.sendMail({
          from: { name: smtp.from_name ?? 'Switchboard', address: smtp.from_address },
          to,
          subject,
          text,
          headers: { 'X-Switchboard-Toll-Alert': String(alert.id) },
        });
        await repo.markSent(this.db, alert.id);
        sent++;
      } catch (err) {
        // The SMTP server's own words stay in the log, not in anything a user reads back.
        this.log.warn({ err, alert: alert.id }, 'toll alert email failed; retried later');
        await repo.markFailed(
          this.db,
          alert.id,
          alert.attempts,
          'the SMTP server refused or could not be reached',
        );
      } finally {
        transport.close();
      }
    }
  }
}
