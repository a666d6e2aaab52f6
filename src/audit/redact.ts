// The one place that decides what of a request or an object may be kept in the audit log.
// Keys are split into words (snake_case, kebab-case, camelCase) and a key is secret when one of
// its words is: `sip_secret`, `smtpPassword`, `voicemail_pin`, `api_token`, `totp_secret`,
// `recovery_codes`, `password_hash`, `private_key` … but not `ping`, `keypad`, `spin` or the
// IVR's digit `key` (a word list, not a substring match, so an IVR menu stays readable).
export const REDACTED = '[redacted]';

const SECRET_WORDS = new Set([
  'secret',
  'secrets',
  'password',
  'passwords',
  'passwd',
  'pass',
  'pin',
  'pins',
  'token',
  'tokens',
  'totp',
  'otp',
  'recovery',
  'auth',
  'authorization',
  'credential',
  'credentials',
  'hash',
  'cookie',
  'session',
  'csrf',
  'apikey',
]);
// "key" alone is an IVR digit or a sort key; with one of these before it, it is a secret.
const KEY_QUALIFIERS = new Set(['api', 'private', 'secret', 'encryption', 'access', 'signing']);

function words(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

export function isSecretKey(key: string): boolean {
  const ws = words(key);
  return ws.some(
    (w, i) => SECRET_WORDS.has(w) || (w === 'key' && i > 0 && KEY_QUALIFIERS.has(ws[i - 1] ?? '')),
  );
}

// A deep copy with every secret-named value replaced by "[redacted]" (null, absent and booleans
// such as skip_pin_from_own_phone stay, so the log still tells "removed" from "kept"). A body that is not an object (a CSV upload, a
// raw text) is described, never copied: its lines may carry secrets under any column name.
export function redact(value: unknown): unknown {
  if (typeof value === 'string') return `[text, ${value.length} characters]`;
  if (Buffer.isBuffer(value)) return `[binary, ${value.length} bytes]`;
  return redactDeep(value, 0);
}

function redactDeep(value: unknown, depth: number): unknown {
  if (depth > 20) return '[too deep]';
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `[binary, ${value.length} bytes]`;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] =
        isSecretKey(k) && v !== null && v !== undefined && typeof v !== 'boolean'
          ? REDACTED
          : redactDeep(v, depth + 1);
    }
    return out;
  }
  // A multi-line or long text under any key (a CSV pasted into the import form, a raw body) is
  // described, never copied: its lines may carry secrets under column names no key shows.
  if (typeof value === 'string' && (value.length > LONG_TEXT || /[\r\n]/.test(value)))
    return `[text, ${value.length} characters]`;
  return value;
}

const LONG_TEXT = 500;
