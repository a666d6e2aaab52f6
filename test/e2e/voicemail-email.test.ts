import { rmSync } from 'node:fs';
import { listFolder, mailboxDir } from '../../src/voicemail/spool';
import { describeRun, killAllCarrierSipp } from '../carrier/sipp';
import { startTestApp, type TestApp } from '../support/app';
import { hangUpChannels, waitFor } from '../support/asterisk';
import { requireAsterisk, testEnv } from '../support/env';
import { startSmtp, type TestSmtp } from '../support/smtp';
import { leaveMessage, spokenUlaw } from '../support/voicemail-caller';

// The whole path with real parts: a SIP caller (sipp as 1002) rings 1001, nobody answers, the
// caller speaks (espeak-ng audio sent as RTP) into 1001's voicemail; Switchboard's delivery job
// (on its own schedule) emails it through a real SMTP server (smtp-server), exactly once.

jest.setTimeout(180_000);

const INTERVAL_S = 2;
let app: TestApp;
let smtp: TestSmtp;
let secret1002 = '';
let speech: Buffer;

beforeAll(async () => {
  requireAsterisk();
  speech = spokenUlaw('Hi Alice, it is Bob. The delivery arrives on Monday morning.').ulaw;
  // Messages an earlier run left in this sandbox would be claimed too: start 1001 empty.
  rmSync(mailboxDir(testEnv.asteriskSpoolDir, '1001'), { recursive: true, force: true });
  smtp = await startSmtp();
  app = await startTestApp({
    VOICEMAIL_DELIVERY_SECONDS: String(INTERVAL_S),
    VOICEMAIL_DELIVERY_RETRY_SECONDS: '1',
  });
  const alice = await app.api('POST', '/api/v1/extensions', {
    body: { number: '1001', display_name: 'Alice', voicemail_enabled: true },
  });
  expect(alice.status).toBe(201);
  const bob = await app.api('POST', '/api/v1/extensions', { body: { number: '1002', display_name: 'Bob' } });
  expect(bob.status).toBe(201);
  secret1002 = bob.body.sip_secret;
  const box = await app.api('PATCH', '/api/v1/voicemail-boxes/1001', {
    body: { email: 'alice@example.test' },
  });
  expect([box.status, box.text]).toEqual([200, box.text]);
  const put = await app.api('PUT', '/api/v1/smtp', {
    body: { host: '127.0.0.1', port: smtp.port, tls_mode: 'none', from_address: 'pbx@example.test' },
  });
  expect(put.status).toBe(200);
  await app.applyNow();
}, 120_000);

afterEach(async () => {
  killAllCarrierSipp();
  await hangUpChannels().catch(() => undefined);
});

afterAll(async () => {
  try {
    if (app) {
      for (const number of ['1001', '1002']) await app.api('DELETE', `/api/v1/extensions/${number}`);
      await app.applyNow();
    }
  } finally {
    await app?.close();
    await smtp?.close();
  }
}, 60_000);

it('an unanswered call to 1001 ends in exactly one email to 1001 with the audio, caller ID and duration', async () => {
  const run = await leaveMessage({ from: { number: '1002', secret: secret1002 }, to: '1001', speech });
  expect({ code: run.code, why: run.code === 0 ? '' : describeRun('call', run) }).toEqual({
    code: 0,
    why: '',
  });

  const [message] = await waitFor('the message in 1001 INBOX', async () => {
    const m = await listFolder(testEnv.asteriskSpoolDir, '1001', 'INBOX');
    return m.length > 0 && m.every((x) => x.durationSeconds > 0) ? m : null;
  });
  expect(message).toBeDefined();
  await smtp.waitFor(1, 60_000);
  // A few more delivery intervals: still one.
  await new Promise((r) => setTimeout(r, INTERVAL_S * 3_000));
  expect(smtp.received).toHaveLength(1);
  expect(smtp.recipients[0]).toEqual(['alice@example.test']);
  const mail = smtp.received[0]!;
  expect(mail.text).toContain('Bob <1002>');
  expect(mail.text).toContain(`(${message!.durationSeconds} second`);
  expect(mail.messageId).toContain(message!.msgId);
  expect(mail.attachments).toHaveLength(1);
  expect(mail.attachments[0]!.contentType).toBe('audio/mpeg');
  // The attachment is the recording: roughly its length at 32 kbit/s (4 kB/s), not a stub.
  expect(mail.attachments[0]!.size).toBeGreaterThan(message!.durationSeconds * 2_000);
  const log = await app.api('GET', '/api/v1/voicemail-deliveries?mailbox=1001');
  expect(log.body.items).toHaveLength(1);
  expect(log.body.items[0]).toMatchObject({
    msg_id: message!.msgId,
    status: 'sent',
    attempts: 1,
    caller_id: '"Bob" <1002>',
  });
});
