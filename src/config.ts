import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import cron from 'node-cron';
import { z } from 'zod';
import { isCidr } from './lib/cidr';

// The only reader of process.env: everything else receives a frozen Config.
const Env = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z.string().url().default('mysql://root@127.0.0.1:3306/switchboard'),
  ARI_URL: z.string().url().default('http://127.0.0.1:8088'),
  ARI_USERNAME: z.string().min(1).default('switchboard'),
  ARI_PASSWORD: z.string().min(1, 'ARI_PASSWORD is required'),
  ARI_APP: z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/)
    .default('switchboard'),
  ASTERISK_CONFIG_DIR: z.string().min(1).default('/etc/asterisk/switchboard'),
  // Asterisk's sounds directory as Switchboard sees it; greetings go in its switchboard/ folder.
  ASTERISK_SOUNDS_DIR: z.string().min(1).default('/usr/share/asterisk/sounds'),
  // Asterisk's music-on-hold directory (astdatadir/moh) as Switchboard sees it; by default the
  // sounds directory's sibling, as in Debian's layout. Each class gets a folder sb-moh-<id> there.
  ASTERISK_MOH_DIR: z.string().min(1).optional(),
  // Asterisk's spool as Switchboard sees it: voicemail messages are read (and moved) there.
  ASTERISK_SPOOL_DIR: z.string().min(1).default('/var/spool/asterisk'),
  // Asterisk's log directory as Switchboard sees it: the CDR/CEL JSON files and queue_log are
  // ingested from there (cdr-custom/, cel-custom/, queue_log).
  ASTERISK_LOG_DIR: z.string().min(1).default('/var/log/asterisk'),
  // Where MixMonitor writes recordings (Asterisk's path, the same path seen from Switchboard
  // after mapping): <spool>/monitor by default; Switchboard uses its switchboard/ folder.
  ASTERISK_MONITOR_DIR: z.string().min(1).optional(),
  // Call analytics: how often new call data is ingested and journeys built (1-59 s), the
  // timezone reports group days/weeks in, and the short-abandon threshold.
  ANALYTICS_INGEST_SECONDS: z.coerce.number().int().min(1).max(59).default(5),
  // On a database that has never read Asterisk's call-data files: import what they already hold
  // (import) or start at their current end (skip).
  CALLDATA_HISTORY: z.enum(['import', 'skip']).default('import'),
  REPORT_TIMEZONE: z
    .string()
    .min(1)
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA timezone such as Europe/Paris')
    .default('UTC'),
  SHORT_ABANDON_SECONDS: z.coerce.number().int().min(0).max(60).default(5),
  // How to reach the Asterisk CLI (space-separated command prefix; the CLI command is appended).
  ASTERISK_CLI: z.string().min(1).default('asterisk -rx'),
  // How Switchboard controls what ARI does not offer (queue members, astdb, registration status):
  // `cli` (ASTERISK_CLI, Switchboard on the Asterisk host) or `ami` (the network: AMI_*).
  // Default: ami when AMI_URL is set, else cli.
  ASTERISK_CONTROL: z.enum(['cli', 'ami']).optional(),
  // tls://host:5039 (plain tcp:// only to a loopback address: the secret crosses the link).
  AMI_URL: z
    .string()
    .regex(/^(tls|tcp):\/\/[^/\s]+:[0-9]{1,5}$/, 'must be tls://host:port or tcp://host:port')
    .optional(),
  AMI_USERNAME: z
    .string()
    .regex(/^[A-Za-z0-9_.@-]{1,40}$/, 'letters, digits and _ . @ - only')
    .default('switchboard'),
  // Sent as a Login header line: a line break would start another header (an injected action).
  AMI_SECRET: z
    .string()
    .min(1)
    .regex(/^\P{Cc}+$/u, 'must not contain line breaks or other control characters')
    .optional(),
  // PEM file of the certificate Asterisk's AMI presents (self-signed at provisioning); the
  // system CAs when unset.
  AMI_TLS_CA: z.string().min(1).optional(),
  EXTENSION_MIN: z.coerce.number().int().min(1).default(1000),
  EXTENSION_MAX: z.coerce.number().int().min(1).default(9999),
  // Switchboard's own state (0700): the key that seals stored secrets lives here, never in the
  // database. `npm run up` uses the same folder for its generated env file.
  SWITCHBOARD_STATE_DIR: z.string().min(1).default('/var/lib/switchboard'),
  APPLY_DEBOUNCE_MS: z.coerce.number().int().min(0).max(10_000).default(0),
  RING_SECONDS: z.coerce.number().int().min(5).max(300).default(30),
  // Dead calls end: a phone or carrier that sends no RTP for this long (on hold: the second) is
  // hung up; 0 turns it off. Session timers end a dialog nobody refreshes (RFC 4028).
  RTP_TIMEOUT_SECONDS: seconds0or(5, 3600).default(30),
  RTP_HOLD_TIMEOUT_SECONDS: seconds0or(30, 86_400).default(300),
  SESSION_TIMER_SECONDS: z.coerce.number().int().min(90).max(86_400).default(1800),
  SESSION_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(12),
  // Unset: secure cookies in production unless bound to loopback (then: when the request came over
  // TLS, as a proxy on the same host reports it); true/false override.
  COOKIE_SECURE: z.enum(['true', 'false']).optional(),
  LOGIN_RATE_LIMIT: z.coerce.number().int().min(1).default(10),
  // express "trust proxy": which proxies may set X-Forwarded-For (the sign-in limit is per client).
  TRUST_PROXY: z.string().min(1).default('loopback'),
  // Voicemail-to-email: how often the spool is scanned (1-59 s, or whole minutes up to an hour),
  // and the first retry delay while SMTP fails (doubles per attempt, capped at an hour).
  VOICEMAIL_DELIVERY_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(3600)
    .refine((n) => n < 60 || n % 60 === 0, 'must be 1-59 or a whole number of minutes in seconds')
    .default(15),
  VOICEMAIL_DELIVERY_RETRY_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  // Wrong voicemail PINs (counted per box, across calls and phones) before the box is locked, and
  // for how long: while locked no PIN opens it, the right one neither.
  // How long audit-log rows are kept (a daily job deletes older ones); 0 keeps them for ever.
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(730),
  VOICEMAIL_PIN_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
  VOICEMAIL_PIN_LOCK_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(30),
  // /metrics and the details of /readyz: shown to a request bearing this token
  // (Authorization: Bearer …) or coming from an address in the allowlist (comma-separated IPs or
  // CIDRs; the client address as express sees it, so TRUST_PROXY applies). Plain /readyz (ready
  // or not) stays open for load balancers.
  OPS_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  OPS_ALLOW: z.string().default('127.0.0.1,::1'),
  // SIP brute-force banning (src/security): this many failed authentications from one address
  // within the window ban it at the SIP edge for SIP_BAN_SECONDS. Addresses or CIDRs in the
  // allowlist (comma-separated; admins add more on the SIP bans page) are never banned.
  SIP_BAN_FAILURES: z.coerce.number().int().min(1).max(1000).default(10),
  SIP_BAN_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  SIP_BAN_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(30 * 86_400)
    .default(1800),
  SIP_BAN_ALLOWLIST: z
    .string()
    .default('')
    .transform((s, ctx) => {
      const entries = s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
      for (const e of entries)
        if (!isCidr(e)) ctx.addIssue({ code: 'custom', message: `${e} is not an address or CIDR` });
      return entries;
    }),
  // SIP auth usernames of new extensions: random (not guessable from the number, the default)
  // or the extension number (for fleets of phones provisioned that way).
  SIP_AUTH_USERNAME: z.enum(['random', 'number']).default('random'),
  // Backups (src/backups): where they are kept (default: SWITCHBOARD_STATE_DIR/backups), when one
  // is taken (node-cron; empty: never), how many are kept, whether scheduled ones hold call
  // recordings, and the passphrase that wraps the secrets key into each backup (unset: the key
  // stays out, and only an install with the same secrets.key can restore).
  BACKUP_DIR: z.string().min(1).optional(),
  BACKUP_SCHEDULE: z
    .string()
    .default('30 2 * * *')
    .refine((s) => s.trim() === '' || cron.validate(s), 'must be a cron expression (or empty: off)'),
  BACKUP_KEEP: z.coerce.number().int().min(1).max(10_000).default(14),
  BACKUP_RECORDINGS: z.enum(['true', 'false']).default('false'),
  BACKUP_PASSPHRASE: z.string().min(12, 'must be at least 12 characters').optional(),
});

export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly host: string;
  readonly port: number;
  readonly logLevel: string;
  readonly databaseUrl: string;
  readonly ari: {
    readonly url: string;
    readonly username: string;
    readonly password: string;
    readonly app: string;
  };
  readonly asteriskConfigDir: string;
  readonly asteriskSoundsDir: string;
  readonly asteriskSpoolDir: string;
  readonly asteriskMohDir: string;
  readonly asteriskCli: readonly string[];
  readonly asteriskControl: AsteriskControlConfig;
  readonly asteriskLogDir: string;
  readonly asteriskMonitorDir: string;
  readonly analytics: {
    readonly ingestSeconds: number;
    readonly history: 'import' | 'skip';
    readonly reportTimezone: string;
    readonly shortAbandonSeconds: number;
  };
  readonly extensionRange: { readonly min: number; readonly max: number };
  readonly stateDir: string;
  // 32 random bytes (AES-256-GCM) sealing SIP secrets, trunk and SMTP passwords at rest.
  readonly secretsKeyFile: string;
  readonly applyDebounceMs: number;
  readonly ringSeconds: number;
  readonly media: {
    readonly rtpTimeout: number;
    readonly rtpTimeoutHold: number;
    readonly sessionExpires: number;
  };
  readonly sessionTtlHours: number;
  // 'tls': the Secure flag follows the request (req.secure, i.e. HTTPS or a trusted proxy's
  // X-Forwarded-Proto), so plain http on 127.0.0.1 (`npm run up`) still signs in.
  readonly cookieSecure: boolean | 'tls';
  readonly loginRateLimit: number;
  readonly trustProxy: string;
  readonly voicemailDelivery: { readonly intervalSeconds: number; readonly retrySeconds: number };
  readonly auditRetentionDays: number;
  readonly voicemailPinLockout: { readonly maxFailures: number; readonly lockMinutes: number };
  readonly ops: { readonly token: string | null; readonly allow: readonly string[] };
  readonly sipBans: {
    readonly failures: number;
    readonly windowSeconds: number;
    readonly banSeconds: number;
    readonly allowlist: readonly string[];
  };
  readonly sipAuthUsername: 'random' | 'number';
  readonly backup: {
    readonly dir: string;
    readonly schedule: string | null;
    readonly keep: number;
    readonly recordings: boolean;
    readonly passphrase: string | null;
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.EXTENSION_MIN > e.EXTENSION_MAX)
    throw new Error('invalid configuration: EXTENSION_MIN > EXTENSION_MAX');
  return Object.freeze({
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    databaseUrl: e.DATABASE_URL,
    ari: Object.freeze({
      url: e.ARI_URL,
      username: e.ARI_USERNAME,
      password: e.ARI_PASSWORD,
      app: e.ARI_APP,
    }),
    asteriskConfigDir: e.ASTERISK_CONFIG_DIR,
    asteriskSoundsDir: e.ASTERISK_SOUNDS_DIR,
    asteriskSpoolDir: e.ASTERISK_SPOOL_DIR,
    asteriskMohDir: e.ASTERISK_MOH_DIR ?? join(dirname(e.ASTERISK_SOUNDS_DIR), 'moh'),
    asteriskCli: Object.freeze(e.ASTERISK_CLI.split(' ').filter(Boolean)),
    asteriskControl: asteriskControl(e),
    asteriskLogDir: e.ASTERISK_LOG_DIR,
    asteriskMonitorDir: e.ASTERISK_MONITOR_DIR ?? join(e.ASTERISK_SPOOL_DIR, 'monitor'),
    analytics: Object.freeze({
      ingestSeconds: e.ANALYTICS_INGEST_SECONDS,
      history: e.CALLDATA_HISTORY,
      reportTimezone: e.REPORT_TIMEZONE,
      shortAbandonSeconds: e.SHORT_ABANDON_SECONDS,
    }),
    extensionRange: Object.freeze({ min: e.EXTENSION_MIN, max: e.EXTENSION_MAX }),
    stateDir: e.SWITCHBOARD_STATE_DIR,
    secretsKeyFile: join(e.SWITCHBOARD_STATE_DIR, 'secrets.key'),
    applyDebounceMs: e.APPLY_DEBOUNCE_MS,
    ringSeconds: e.RING_SECONDS,
    media: Object.freeze({
      rtpTimeout: e.RTP_TIMEOUT_SECONDS,
      rtpTimeoutHold: e.RTP_HOLD_TIMEOUT_SECONDS,
      sessionExpires: e.SESSION_TIMER_SECONDS,
    }),
    sessionTtlHours: e.SESSION_TTL_HOURS,
    cookieSecure:
      e.COOKIE_SECURE !== undefined
        ? e.COOKIE_SECURE === 'true'
        : e.NODE_ENV === 'production' && !isLoopback(e.HOST)
          ? true
          : 'tls',
    loginRateLimit: e.LOGIN_RATE_LIMIT,
    trustProxy: e.TRUST_PROXY,
    voicemailDelivery: Object.freeze({
      intervalSeconds: e.VOICEMAIL_DELIVERY_SECONDS,
      retrySeconds: e.VOICEMAIL_DELIVERY_RETRY_SECONDS,
    }),
    auditRetentionDays: e.AUDIT_RETENTION_DAYS,
    voicemailPinLockout: Object.freeze({
      maxFailures: e.VOICEMAIL_PIN_MAX_FAILURES,
      lockMinutes: e.VOICEMAIL_PIN_LOCK_MINUTES,
    }),
    ops: Object.freeze({
      token: e.OPS_TOKEN ?? null,
      allow: Object.freeze(
        e.OPS_ALLOW.split(',')
          .map((a) => a.trim())
          .filter(Boolean),
      ),
    }),
    sipBans: Object.freeze({
      failures: e.SIP_BAN_FAILURES,
      windowSeconds: e.SIP_BAN_WINDOW_SECONDS,
      banSeconds: e.SIP_BAN_SECONDS,
      allowlist: Object.freeze(e.SIP_BAN_ALLOWLIST),
    }),
    sipAuthUsername: e.SIP_AUTH_USERNAME,
    backup: Object.freeze({
      dir: e.BACKUP_DIR ?? join(e.SWITCHBOARD_STATE_DIR, 'backups'),
      schedule: e.BACKUP_SCHEDULE.trim() === '' ? null : e.BACKUP_SCHEDULE.trim(),
      keep: e.BACKUP_KEEP,
      recordings: e.BACKUP_RECORDINGS === 'true',
      passphrase: e.BACKUP_PASSPHRASE ?? null,
    }),
  });
}

export type AsteriskControlConfig =
  | { readonly via: 'cli' }
  | {
      readonly via: 'ami';
      readonly url: string;
      readonly username: string;
      readonly secret: string;
      readonly caFile: string | null;
    };

function asteriskControl(e: z.infer<typeof Env>): AsteriskControlConfig {
  const via = e.ASTERISK_CONTROL ?? (e.AMI_URL ? 'ami' : 'cli');
  if (via === 'cli') return Object.freeze({ via });
  if (!e.AMI_URL || !e.AMI_SECRET)
    throw new Error('invalid configuration: ASTERISK_CONTROL=ami needs AMI_URL and AMI_SECRET');
  const url = new URL(e.AMI_URL);
  if (url.protocol === 'tcp:' && !isLoopback(url.hostname.replace(/^\[|\]$/g, '')))
    throw new Error('invalid configuration: AMI_URL tcp:// is for a loopback address only; use tls://');
  return Object.freeze({
    via,
    url: e.AMI_URL,
    username: e.AMI_USERNAME,
    secret: e.AMI_SECRET,
    caFile: e.AMI_TLS_CA ?? null,
  });
}

// 0 (off) or a number of seconds in [min, max].
function seconds0or(min: number, max: number) {
  return z.coerce
    .number()
    .int()
    .refine((n) => n === 0 || (n >= min && n <= max), `0 (off) or ${min}–${max} seconds`);
}

// Only what surely stays on this host: a name such as 127.evil.example is not an address.
function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.split('.')[0] === '127';
  return isIP(h) === 6 && isIPv6Loopback(h);
}

function isIPv6Loopback(h: string): boolean {
  // ::1 in any of its spellings (0:0:0:0:0:0:0:1, ::0:1, …); never a mapped IPv4 address.
  if (h.includes('.')) return false;
  const [head = '', tail] = h.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return all.length === 8 && all.every((g, i) => Number.parseInt(g, 16) === (i === 7 ? 1 : 0));
}
