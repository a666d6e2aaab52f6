import pino, { type Logger } from 'pino';

export type { Logger };

// Secrets never reach the log: redact by key wherever they appear.
export function createLogger(level: string): Logger {
  return pino({
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
  });
}
