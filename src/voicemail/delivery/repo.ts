import type { Knex } from 'knex';
import { seal, unsealNullable } from '../../lib/sealed';
import type {
  DeliveryFields,
  DeliveryListQuery,
  DeliveryStatus,
  DeliveryView,
  SmtpSettingsInput,
  SmtpSettingsView,
} from './schema';

// Tables voicemail_deliveries and smtp_settings. Every time comparison uses the database's clock
// (NOW(3)), so app hosts with skewed clocks cannot make a row due early or late.
const DELIVERIES = 'voicemail_deliveries';
const SMTP = 'smtp_settings';

export interface SmtpSettings {
  host: string;
  port: number;
  tls_mode: 'none' | 'starttls' | 'tls';
  username: string | null;
  password: string | null;
  from_address: string;
  from_name: string | null;
  updated_at: Date;
}

export interface DeliveryRow extends DeliveryFields {
  next_attempt_at: Date;
  sending_since: Date | null;
  sent_at: Date | null;
  received_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface NewDelivery {
  msg_id: string;
  mailbox: string;
  email_to: string | null;
  status: 'pending' | 'skipped';
  last_error: string | null;
  caller_id: string;
  received_at: Date;
  duration_seconds: number;
}

// The password is stored sealed (src/lib/sealed.ts) and opened here, for the mailers that log in
// with it; the API and pages only ever see password_set (smtpView).
export async function getSmtp(db: Knex): Promise<SmtpSettings | undefined> {
  const row = (await db(SMTP).where({ id: 1 }).first()) as SmtpSettings | undefined;
  return row && { ...row, password: unsealNullable(row.password) };
}

export async function getSmtpForUpdate(db: Knex): Promise<SmtpSettings | undefined> {
  const row = (await db(SMTP).where({ id: 1 }).forUpdate().first()) as SmtpSettings | undefined;
  return row && { ...row, password: unsealNullable(row.password) };
}

export async function saveSmtp(db: Knex, input: SmtpSettingsInput): Promise<void> {
  const row: Record<string, unknown> = {
    host: input.host,
    port: input.port,
    tls_mode: input.tls_mode,
    username: input.username ?? null,
    from_address: input.from_address,
    from_name: input.from_name ?? null,
    updated_at: db.fn.now(3),
  };
  // Left out keeps the stored password (the form never shows it back); null removes it.
  if (input.password !== undefined) row['password'] = input.password === null ? null : seal(input.password);
  const existing = await db(SMTP).where({ id: 1 }).forUpdate().first();
  if (existing) await db(SMTP).where({ id: 1 }).update(row);
  else await db(SMTP).insert({ id: 1, password: null, ...row });
}

export function smtpView(s: SmtpSettings | undefined): SmtpSettingsView {
  return {
    configured: Boolean(s),
    host: s?.host ?? null,
    port: s?.port ?? null,
    tls_mode: s?.tls_mode ?? null,
    username: s?.username ?? null,
    password_set: Boolean(s?.password),
    from_address: s?.from_address ?? null,
    from_name: s?.from_name ?? null,
    updated_at: s ? s.updated_at.toISOString() : null,
  };
}

// The exactly-once claim: the unique msg_id makes a second insert of the same message a no-op
// (INSERT IGNORE), whoever inserts it and however often.
export async function claimNew(db: Knex, rows: NewDelivery[]): Promise<void> {
  if (rows.length === 0) return;
  await db(DELIVERIES).insert(rows).onConflict('msg_id').ignore();
}

export async function byMsgIds(db: Knex, msgIds: string[]): Promise<DeliveryRow[]> {
  if (msgIds.length === 0) return [];
  return (await db(DELIVERIES).whereIn('msg_id', msgIds)) as DeliveryRow[];
}

// A 'sending' row older than staleSeconds is a send that crashed (or hung) before its outcome was
// recorded: it goes back to pending, to be resent with the same Message-ID.
export async function releaseStale(db: Knex, staleSeconds: number): Promise<number> {
  return db(DELIVERIES)
    .where({ status: 'sending' })
    .andWhereRaw('sending_since < NOW(3) - INTERVAL ? SECOND', [staleSeconds])
    .update({
      status: 'pending',
      sending_since: null,
      last_error:
        'the previous attempt did not finish (crash or timeout); resending with the same Message-ID',
      next_attempt_at: db.fn.now(3),
      updated_at: db.fn.now(3),
    });
}

export async function due(db: Knex, limit: number): Promise<DeliveryRow[]> {
  return (await db(DELIVERIES)
    .where({ status: 'pending' })
    .andWhereRaw('next_attempt_at <= NOW(3)')
    .orderBy('id')
    .limit(limit)) as DeliveryRow[];
}

// pending → sending, only if still pending: of two concurrent runs exactly one gets 1 here.
export async function markSending(db: Knex, id: number, messageId: string): Promise<boolean> {
  const n = await db(DELIVERIES)
    .where({ id, status: 'pending' })
    .update({
      status: 'sending',
      sending_since: db.fn.now(3),
      attempts: db.raw('attempts + 1'),
      message_id: messageId,
      updated_at: db.fn.now(3),
    });
  return n === 1;
}

export async function markSent(db: Knex, id: number): Promise<void> {
  await db(DELIVERIES)
    .where({ id, status: 'sending' })
    .update({
      status: 'sent',
      sent_at: db.fn.now(3),
      sending_since: null,
      last_error: null,
      updated_at: db.fn.now(3),
    });
}

export async function markRetry(db: Knex, id: number, error: string, delaySeconds: number): Promise<void> {
  await db(DELIVERIES)
    .where({ id, status: 'sending' })
    .update({
      status: 'pending',
      sending_since: null,
      last_error: error.slice(0, 500),
      next_attempt_at: db.raw('NOW(3) + INTERVAL ? SECOND', [delaySeconds]),
      updated_at: db.fn.now(3),
    });
}

export async function markFinal(
  db: Knex,
  id: number,
  status: 'failed' | 'skipped',
  error: string,
  from: DeliveryStatus = 'sending',
): Promise<void> {
  await db(DELIVERIES)
    .where({ id, status: from })
    .update({ status, sending_since: null, last_error: error.slice(0, 500), updated_at: db.fn.now(3) });
}

export async function list(
  db: Knex,
  q: DeliveryListQuery,
): Promise<{ items: DeliveryView[]; next_cursor: string | null }> {
  const query = db(DELIVERIES)
    .orderBy('id', 'desc')
    .limit(q.limit + 1);
  if (q.cursor) query.where('id', '<', Number(q.cursor));
  if (q.status) query.where({ status: q.status });
  if (q.mailbox) query.where({ mailbox: q.mailbox });
  const rows = (await query) as DeliveryRow[];
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(deliveryView),
    next_cursor: rows.length > q.limit && last ? String(last.id) : null,
  };
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function deliveryView(r: DeliveryRow): DeliveryView {
  return {
    id: r.id,
    msg_id: r.msg_id,
    mailbox: r.mailbox,
    email_to: r.email_to,
    status: r.status,
    attempts: r.attempts,
    next_attempt_at: r.next_attempt_at.toISOString(),
    last_error: r.last_error,
    sent_at: iso(r.sent_at),
    message_id: r.message_id,
    caller_id: r.caller_id,
    received_at: iso(r.received_at),
    duration_seconds: r.duration_seconds,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}
