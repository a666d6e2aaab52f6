import pino, { type Logger } from 'pino';

export type { Logger };

// Secrets never reach the log: redact by key wherever they appear.
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    redact: {
      paths: [
        'password',
        '*.password',
        'secret',
        '*.secret',
        'sip_secret',
        '*.sip_secret',
        'token',
        '*.token',
        'req.headers.authorization',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
      ],
      censor: '[redacted]',
    },
    // Redaction works by key; these work on values: an error carrying a query with its bound
    // values, a URL carrying a token in its query string.
    serializers: { err: serializeError, url: urlWithoutQuery },
  };
  return destination ? pino(options, destination) : pino(options);
}

// The path of a URL without its query string: tokens travel there (?kiosk=, ?next=, a reset
// link), and a log line is read by more people than the request was meant for.
export function urlWithoutQuery(url: unknown): unknown {
  if (typeof url !== 'string') return url;
  const cut = url.search(/[?#]/);
  return cut === -1 ? url : url.slice(0, cut);
}

// A database error, as knex and mysql2 make it, carries the whole statement: `sql` (values
// interpolated), `bindings`, and a message knex prefixes with the formatted query ("insert into
// `extensions` (…, `sip_secret`, …) values (…, 'the secret', …) - Duplicate entry …"). The log
// keeps the server's own message (sqlMessage) and code, never the statement or its values. The
// same applies down the cause chain, which pino would otherwise append to the message.
const STATEMENT_KEYS = new Set(['sql', 'bindings', 'parameters', 'values']);
const FRAME = /^\s+at /;

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  stack?: unknown;
  cause?: unknown;
  sql?: unknown;
  bindings?: unknown;
  sqlMessage?: unknown;
  [key: string]: unknown;
}

const isErrorLike = (v: unknown): v is ErrorLike =>
  v instanceof Error || (typeof v === 'object' && v !== null && 'message' in v && 'stack' in v);

function carriesStatement(e: ErrorLike): boolean {
  return typeof e.sql === 'string' || e.bindings !== undefined || typeof e.sqlMessage === 'string';
}

function cleanMessage(e: ErrorLike): string {
  const message = typeof e.message === 'string' ? e.message : String(e.message);
  if (!carriesStatement(e)) return message;
  if (typeof e.sqlMessage === 'string') return e.sqlMessage;
  // No server message (a lost connection mid-query): what follows knex's " - " is the driver's.
  const cut = message.lastIndexOf(' - ');
  return cut === -1 ? 'the database query failed' : message.slice(cut + 3);
}

function scrub(e: ErrorLike, depth: number): Error {
  const out = new Error(cleanMessage(e));
  out.name = typeof e.name === 'string' ? e.name : 'Error';
  // The stack's first lines repeat the message (with the statement); keep only the frames.
  const frames = typeof e.stack === 'string' ? e.stack.split('\n').filter((l) => FRAME.test(l)) : [];
  out.stack = [`${out.name}: ${out.message}`, ...frames].join('\n');
  const target = out as unknown as Record<string, unknown>;
  for (const key of Object.keys(e)) {
    if (STATEMENT_KEYS.has(key) || key === 'message' || key === 'stack' || key === 'cause') continue;
    target[key] = e[key];
  }
  if (e.cause !== undefined) {
    target['cause'] = isErrorLike(e.cause) && depth < 5 ? scrub(e.cause, depth + 1) : e.cause;
  }
  return out;
}

export function serializeError(err: unknown): unknown {
  if (!isErrorLike(err)) return err;
  return pino.stdSerializers.err(scrub(err, 0));
}
