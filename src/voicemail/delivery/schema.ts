import { z } from 'zod';

// Every string here ends up in an SMTP command or a mail header: CR/LF (header injection) and
// other control characters are refused outright, not stripped.
const NO_CONTROL = /^[^\p{Cc}]*$/u;
const printable = (max: number) =>
  z.string().max(max).regex(NO_CONTROL, 'must not contain control characters (newlines, tabs, NUL)');

// A DNS name (RFC 1123 labels), an IPv4 address or a bracket-free IPv6 address.
const HOSTNAME =
  /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const IPV6 = /^[0-9A-Fa-f:.]{2,45}$/;
export const SmtpHost = z
  .string()
  .min(1, 'is required')
  .refine(
    (h) => HOSTNAME.test(h) || (h.includes(':') && IPV6.test(h)),
    'must be a host name or an IP address',
  );

export const EmailAddress = z
  .string()
  .max(254)
  .regex(NO_CONTROL, 'must not contain control characters (newlines, tabs, NUL)')
  .pipe(z.email('must be an email address'));

export const TLS_MODES = ['none', 'starttls', 'tls'] as const;

export const SmtpSettingsInput = z.strictObject({
  host: SmtpHost,
  port: z.number().int().min(1).max(65535),
  tls_mode: z.enum(TLS_MODES),
  username: printable(254).min(1).nullable().optional(),
  // Left out: keep the stored password; null: remove it.
  password: printable(254).min(1).nullable().optional(),
  from_address: EmailAddress,
  from_name: printable(100).min(1).nullable().optional(),
});
export type SmtpSettingsInput = z.infer<typeof SmtpSettingsInput>;

export const TestEmailInput = z.strictObject({ to: EmailAddress });

export const DELIVERY_STATUSES = ['pending', 'sending', 'sent', 'failed', 'skipped'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const DeliveryListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z
    .string()
    .regex(/^[0-9]{1,10}$/, 'must be a cursor returned by a previous page')
    .optional(),
  status: z.enum(DELIVERY_STATUSES).optional(),
  mailbox: z
    .string()
    .regex(/^[0-9]{1,20}$/, 'must be a mailbox number')
    .optional(),
});
export type DeliveryListQuery = z.infer<typeof DeliveryListQuery>;

// What GET /api/v1/smtp answers: everything but the password.
export interface SmtpSettingsView {
  configured: boolean;
  host: string | null;
  port: number | null;
  tls_mode: (typeof TLS_MODES)[number] | null;
  username: string | null;
  password_set: boolean;
  from_address: string | null;
  from_name: string | null;
  updated_at: string | null;
}

// A delivery as the table holds it and as the API shows it, but for the times.
export interface DeliveryFields {
  id: number;
  msg_id: string;
  mailbox: string;
  email_to: string | null;
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
  message_id: string | null;
  caller_id: string;
  duration_seconds: number;
}

export interface DeliveryView extends DeliveryFields {
  next_attempt_at: string;
  sent_at: string | null;
  received_at: string | null;
  created_at: string;
  updated_at: string;
}
