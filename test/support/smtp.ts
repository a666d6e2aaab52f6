import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

// A real SMTP server on loopback (the smtp-server package): every email it accepts is parsed with
// mailparser and kept in `received`. Restartable on the same port to play "the server came back".
export interface TestSmtp {
  port: number;
  received: ParsedMail[];
  // Envelope recipients per accepted email, in order.
  recipients: string[][];
  close(): Promise<void>;
  waitFor(count: number, timeoutMs?: number): Promise<ParsedMail[]>;
}

export async function startSmtp(
  port = 0,
  sink?: Pick<TestSmtp, 'received' | 'recipients'>,
): Promise<TestSmtp> {
  const received = sink?.received ?? [];
  const recipients = sink?.recipients ?? [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          received.push(mail);
          recipients.push(session.envelope.rcptTo.map((r) => r.address));
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.server.address() as AddressInfo).port;
  return {
    port: actual,
    received,
    recipients,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    async waitFor(count, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} emails, got ${received.length}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      return received;
    },
  };
}
