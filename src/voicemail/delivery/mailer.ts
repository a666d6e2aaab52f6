import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import nodemailer, { type Transporter } from 'nodemailer';
import { TEMPLATE_ROOT } from '../../render/engine';
import type { SmtpSettings } from './repo';

// Email bodies come from templates/email: the .html ones are compiled HTML-escaped (a caller
// name is attacker-controlled), the .txt ones unescaped but strict. Neither env is the conf env.
const env = Handlebars.create();
const EMAIL = join(TEMPLATE_ROOT, 'email');
const compile = (name: string, html: boolean) =>
  env.compile(readFileSync(join(EMAIL, name), 'utf8'), { strict: true, noEscape: !html });

const templates = {
  voicemail: { html: compile('voicemail.html.hbs', true), text: compile('voicemail.txt.hbs', false) },
  test: { html: compile('test.html.hbs', true), text: compile('test.txt.hbs', false) },
};

export interface Attachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface VoicemailEmail {
  to: string;
  messageId: string;
  mailbox: string;
  callerName: string;
  callerNumber: string;
  receivedAt: Date;
  durationSeconds: number;
  transcription: string | null;
  attachment: Attachment | null;
  audioMissing: boolean;
}

// Control characters never reach a header or a body line, whatever Asterisk stored.
const clean = (s: string) => s.replace(/\p{Cc}/gu, ' ').trim();

export function callerLabel(name: string, number: string): string {
  const n = clean(name);
  const num = clean(number);
  if (n && num && n !== num) return `${n} <${num}>`;
  return num || n || 'Unknown caller';
}

export function formatDuration(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return `${m}:${String(s).padStart(2, '0')} (${seconds} second${seconds === 1 ? '' : 's'})`;
}

export function formatTime(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

// The same message always gets the same Message-ID, so a resend after a crash in mid-send is
// recognisably the same email (mail stores and clients that deduplicate drop the copy).
export function voicemailMessageId(mailbox: string, msgId: string, fromAddress: string): string {
  const domain = fromAddress.split('@')[1] ?? 'switchboard.invalid';
  const safe = msgId.replace(/[^A-Za-z0-9.-]/g, '_');
  const tag = createHash('sha256').update(`${mailbox}\0${msgId}`).digest('hex').slice(0, 12);
  return `<voicemail.${mailbox}.${safe}.${tag}@${domain}>`;
}

export function transportFor(s: SmtpSettings): Transporter {
  return nodemailer.createTransport({
    host: s.host,
    port: s.port,
    secure: s.tls_mode === 'tls',
    requireTLS: s.tls_mode === 'starttls',
    ignoreTLS: s.tls_mode === 'none',
    ...(s.username ? { auth: { user: s.username, pass: s.password ?? '' } } : {}),
    // Bounded, so a hung server cannot hold a 'sending' claim past the stale limit.
    connectionTimeout: 20_000,
    greetingTimeout: 20_000,
    socketTimeout: 60_000,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
}

function from(s: SmtpSettings) {
  return { name: s.from_name ?? 'Switchboard Voicemail', address: s.from_address };
}

export async function sendVoicemailEmail(s: SmtpSettings, mail: VoicemailEmail): Promise<void> {
  const caller = callerLabel(mail.callerName, mail.callerNumber);
  const view = {
    mailbox: mail.mailbox,
    caller,
    received: formatTime(mail.receivedAt),
    duration: formatDuration(mail.durationSeconds),
    transcription: mail.transcription,
    attached: Boolean(mail.attachment),
    attachmentName: mail.attachment?.filename ?? '',
    audioMissing: mail.audioMissing,
  };
  const transport = transportFor(s);
  try {
    await transport.sendMail({
      from: from(s),
      to: mail.to,
      subject: `New voicemail from ${caller} (${formatDuration(mail.durationSeconds).split(' ')[0]})`,
      messageId: mail.messageId,
      headers: { 'X-Switchboard-Mailbox': mail.mailbox },
      text: templates.voicemail.text(view),
      html: templates.voicemail.html(view),
      attachments: mail.attachment ? [mail.attachment] : [],
    });
  } finally {
    transport.close();
  }
}

export async function sendTestEmail(s: SmtpSettings, to: string): Promise<string> {
  const view = { to, host: s.host, port: s.port, sentAt: formatTime(new Date()) };
  const transport = transportFor(s);
  try {
    const info = (await transport.sendMail({
      from: from(s),
      to,
      subject: 'Switchboard test email',
      text: templates.test.text(view),
      html: templates.test.html(view),
    })) as { messageId: string };
    return info.messageId;
  } finally {
    transport.close();
  }
}
