import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../../test/support/app';
import { requireAsterisk } from '../../test/support/env';
import { HOSTILE } from '../../test/support/hostile';
import { changesNothing } from '../../test/support/refusals';
import { startSmtp, type TestSmtp } from '../../test/support/smtp';
import { insert as insertBox } from './boxes/repo';
import { VoicemailDelivery } from './delivery';
import { VOICEMAIL_CONTEXT } from './spool';

// Voicemail-to-email against a real SMTP server (smtp-server) and a real MariaDB; the spool is a
// directory this suite fills the way app_voicemail does: msgNNNN.txt in Asterisk's own format and
// msgNNNN.wav with spoken audio (espeak-ng, sox to 8 kHz mono 16-bit like format=wav).

jest.setTimeout(180_000);

const spool = mkdtempSync(join(tmpdir(), 'sb-vm-spool-'));
const speech = join(spool, 'speech.wav');
let counter = 0;

function addMessage(mailbox: string, opts: { folder?: string; callerId?: string; duration?: number } = {}) {
  const dir = join(spool, 'voicemail', VOICEMAIL_CONTEXT, mailbox, opts.folder ?? 'INBOX');
  mkdirSync(dir, { recursive: true });
  const index = readdirSync(dir).filter((f) => f.endsWith('.txt')).length;
  const base = join(dir, `msg${String(index).padStart(4, '0')}`);
  const origtime = Math.floor(Date.now() / 1000);
  const msgId = `${origtime}-${(counter++).toString(16).padStart(8, '0')}`;
  // The lines and order app_voicemail (Asterisk 22) writes.
  writeFileSync(
    `${base}.txt`,
    [
      ';',
      '; Message Information file',
      ';',
      '[message]',
      `origmailbox=${mailbox}`,
      'context=sb-internal',
      `exten=${mailbox}`,
      'rdnis=unknown',
      'priority=3',
      'callerchan=PJSIP/1002-00000001',
      `callerid=${opts.callerId ?? '"Bob Caller" <1002>'}`,
      `origdate=${new Date(origtime * 1000).toUTCString()}`,
      `origtime=${origtime}`,
      'category=',
      `msg_id=${msgId}`,
      'flag=',
      `duration=${opts.duration ?? 4}`,
      '',
    ].join('\n'),
  );
  execFileSync('cp', [speech, `${base}.wav`]);
  return { msgId, base };
}

async function rows(app: TestApp) {
  return app.sb.deps.db('voicemail_deliveries').orderBy('id');
}

describe('voicemail to email', () => {
  let app: TestApp;
  let smtp: TestSmtp;
  const env = () => ({
    ASTERISK_SPOOL_DIR: spool,
    // The app's own schedule stays out of the way; the tests drive runOnce().
    VOICEMAIL_DELIVERY_SECONDS: '3600',
    VOICEMAIL_DELIVERY_RETRY_SECONDS: '1',
  });
  const job = (a: TestApp = app) =>
    new VoicemailDelivery(a.sb.deps.db, a.sb.deps.log, { spoolDir: spool, retrySeconds: 1 });

  beforeAll(async () => {
    requireAsterisk();
    execFileSync('espeak-ng', [
      '-w',
      join(spool, 'raw.wav'),
      'Hello, this is Bob. Please call me back about the invoice.',
    ]);
    execFileSync('sox', [join(spool, 'raw.wav'), '-r', '8000', '-c', '1', '-b', '16', speech]);
    smtp = await startSmtp();
    app = await startTestApp(env(), { keepDatabase: true });
    for (const [number, name] of [
      ['1001', 'Alice'],
      ['1003', 'Carol'],
      ['1004', 'Dave'],
    ] as const) {
      expect(
        (await app.api('POST', '/api/v1/extensions', { body: { number, display_name: name } })).status,
      ).toBe(201);
    }
    const box = {
      pin_hash: null,
      pin_weak: false,
      attach_audio: true,
      transcribe: false,
      skip_pin_from_own_phone: true,
    };
    const none = {
      unavailable_greeting_id: null,
      busy_greeting_id: null,
      name_greeting_id: null,
      temporary_greeting_id: null,
    };
    const db = app.sb.deps.db;
    await insertBox(db, {
      extension_number: '1001',
      email: 'alice@example.test',
      delete_after_email: false,
      ...box,
      ...none,
    });
    await insertBox(db, {
      extension_number: '1003',
      email: 'carol@example.test',
      delete_after_email: true,
      ...box,
      ...none,
    });
    await insertBox(db, {
      extension_number: '1004',
      email: null,
      delete_after_email: false,
      ...box,
      ...none,
    });
    const put = await app.api('PUT', '/api/v1/smtp', {
      body: {
        host: '127.0.0.1',
        port: smtp.port,
        tls_mode: 'none',
        from_address: 'pbx@example.test',
        from_name: 'Office PBX',
      },
    });
    expect(put.status).toBe(200);
  });

  afterAll(async () => {
    const dbName = app?.dbName;
    await app?.close();
    await smtp?.close();
    if (dbName) {
      const { createKnex } = await import('../db/knex');
      const { testEnv } = await import('../../test/support/env');
      const admin = createKnex(`${testEnv.mysqlServer}/`, { min: 0, max: 1 });
      await admin.raw(`DROP DATABASE IF EXISTS \`${dbName}\``);
      await admin.destroy();
    }
    rmSync(spool, { recursive: true, force: true });
  });

  it('emails one new message exactly once, to the box address, with the audio, caller ID and duration', async () => {
    const before = smtp.received.length;
    const { msgId } = addMessage('1001', { duration: 4 });
    await job().runOnce();
    await job().runOnce();
    expect(smtp.received.length - before).toBe(1);
    const mail = smtp.received[before]!;
    expect(smtp.recipients[before]).toEqual(['alice@example.test']);
    expect(mail.subject).toContain('Bob Caller <1002>');
    expect(mail.text).toContain('Bob Caller <1002>');
    expect(mail.text).toContain('0:04 (4 seconds)');
    expect(mail.html).toContain('Bob Caller &lt;1002&gt;');
    expect(mail.messageId).toContain(msgId);
    expect(mail.attachments).toHaveLength(1);
    const audio = mail.attachments[0]!;
    expect(audio.contentType).toBe('audio/mpeg');
    expect(audio.size).toBeGreaterThan(2000);
    // An MPEG audio frame sync (or an ID3 tag) at the start: it is really mp3.
    expect(
      audio.content.subarray(0, 3).toString('latin1') === 'ID3' ||
        (audio.content[0] === 0xff && (audio.content[1]! & 0xe0) === 0xe0),
    ).toBe(true);
    const [row] = (await rows(app)).filter((r) => r.msg_id === msgId);
    expect(row).toMatchObject({
      status: 'sent',
      attempts: 1,
      email_to: 'alice@example.test',
      duration_seconds: 4,
    });
    const log = await app.api('GET', '/api/v1/voicemail-deliveries?mailbox=1001');
    expect(log.status).toBe(200);
    expect(log.body.items.find((i: { msg_id: string }) => i.msg_id === msgId)).toMatchObject({
      status: 'sent',
    });
  });

  it('when two runs overlap (in one process and across two), the message is emailed once', async () => {
    const before = smtp.received.length;
    addMessage('1001', { callerId: '"Overlap" <1009>' });
    const a = job();
    const b = job();
    await Promise.all([a.runOnce(), a.runOnce(), b.runOnce(), b.runOnce(), job().runOnce()]);
    await job().runOnce();
    expect(smtp.received.length - before).toBe(1);
  });

  it('a message already heard on the phone (moved to Old) before the email went out is still emailed once', async () => {
    const before = smtp.received.length;
    const { msgId, base } = addMessage('1001', { callerId: '"Heard" <1010>' });
    const old = join(spool, 'voicemail', VOICEMAIL_CONTEXT, '1001', 'Old');
    mkdirSync(old, { recursive: true });
    for (const ext of ['txt', 'wav']) renameSync(`${base}.${ext}`, join(old, `msg0099.${ext}`));
    await job().runOnce();
    await job().runOnce();
    expect(smtp.received.length - before).toBe(1);
    expect(smtp.received[before]!.messageId).toContain(msgId);
    expect(smtp.received[before]!.attachments).toHaveLength(1);
  });

  it('with delete-after-email, the message leaves the spool (both files) once sent', async () => {
    const before = smtp.received.length;
    const { base } = addMessage('1003');
    await job().runOnce();
    expect(smtp.received.length - before).toBe(1);
    expect(smtp.recipients[before]).toEqual(['carol@example.test']);
    expect(existsSync(`${base}.txt`)).toBe(false);
    expect(existsSync(`${base}.wav`)).toBe(false);
  });

  it('a box without an email address is logged as skipped and nothing is sent', async () => {
    const before = smtp.received.length;
    const { msgId } = addMessage('1004');
    await job().runOnce();
    expect(smtp.received.length).toBe(before);
    const [row] = (await rows(app)).filter((r) => r.msg_id === msgId);
    expect(row).toMatchObject({ status: 'skipped', last_error: 'the box has no email address' });
  });

  it('a send that crashed mid-way (row left "sending") is resent once, with the same Message-ID', async () => {
    const before = smtp.received.length;
    const { msgId } = addMessage('1001', { callerId: '"Crash" <1011>' });
    const db = app.sb.deps.db;
    // What a crash between "sending" and the SMTP outcome leaves: a claim nobody finishes.
    await job().runOnce();
    const first = smtp.received[before]!.messageId;
    await db('voicemail_deliveries')
      .where({ msg_id: msgId })
      .update({ status: 'sending', sending_since: db.raw('NOW(3) - INTERVAL 1 HOUR') });
    await job().runOnce();
    await job().runOnce();
    expect(smtp.received.length - before).toBe(2);
    expect(smtp.received[before + 1]!.messageId).toBe(first);
    expect((await rows(app)).find((r) => r.msg_id === msgId)).toMatchObject({ status: 'sent' });
  });

  it('while SMTP is down it retries with backoff; after a Switchboard restart it delivers once the server is back', async () => {
    const port = smtp.port;
    await smtp.close();
    const before = smtp.received.length;
    const { msgId } = addMessage('1001', { callerId: '"Retry" <1012>', duration: 7 });
    await job().runOnce();
    let row = (await rows(app)).find((r) => r.msg_id === msgId);
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(row.last_error).toMatch(/ECONNREFUSED|connect/i);
    // Time-based on purpose: the first backoff (1 s) must have run out for the second attempt.
    await new Promise((r) => setTimeout(r, 1_200));
    await job().runOnce();
    row = (await rows(app)).find((r) => r.msg_id === msgId);
    expect(row).toMatchObject({ status: 'pending', attempts: 2 });
    // Backoff doubled: the next try is ~2 s after the second failure, not 1 s.
    const gap = new Date(row.next_attempt_at).getTime() - new Date(row.updated_at).getTime();
    expect(gap).toBeGreaterThanOrEqual(1_900);
    await job().runOnce(); // not due yet: no third attempt
    expect((await rows(app)).find((r) => r.msg_id === msgId)).toMatchObject({ attempts: 2 });

    // Switchboard restarts on the same database; then the mail server comes back.
    const dbName = app.dbName;
    await app.close();
    app = await startTestApp(env(), { dbName, keepDatabase: true });
    smtp = await startSmtp(port, smtp);
    // Time-based on purpose: the doubled backoff (~2 s after the second failure) must run out.
    await new Promise((r) => setTimeout(r, 2_500));
    await job().runOnce();
    await job().runOnce();
    expect(smtp.received.length - before).toBe(1);
    expect(smtp.received[before]!.text).toContain('Retry <1012>');
    expect(smtp.received[before]!.text).toContain('0:07 (7 seconds)');
    expect((await rows(app)).find((r) => r.msg_id === msgId)).toMatchObject({ status: 'sent', attempts: 3 });
    // Everything earlier stays sent exactly once: nothing was resent after the restart.
    expect((await rows(app)).filter((r) => r.status === 'pending' || r.status === 'sending')).toEqual([]);
  });

  describe('SMTP settings API', () => {
    it('GET never returns the password; PUT without a password keeps it', async () => {
      const body = {
        host: '127.0.0.1',
        port: smtp.port,
        tls_mode: 'starttls',
        from_address: 'pbx@example.test',
        username: 'pbx',
        password: 's3cret-pass',
      };
      expect((await app.api('PUT', '/api/v1/smtp', { body })).status).toBe(200);
      const { password: _, ...rest } = body;
      const kept = await app.api('PUT', '/api/v1/smtp', { body: { ...rest, username: null } });
      expect(kept.status).toBe(200);
      const got = await app.api('GET', '/api/v1/smtp');
      expect(got.status).toBe(200);
      expect(got.text).not.toContain('s3cret-pass');
      expect(got.body).toMatchObject({
        configured: true,
        password_set: true,
        host: '127.0.0.1',
        username: null,
      });
      expect(got.body).not.toHaveProperty('password');
    });

    it('a changed host, port or TLS mode needs the password again, and no password goes without TLS', async () => {
      const stored = {
        host: '127.0.0.1',
        port: smtp.port,
        tls_mode: 'starttls',
        from_address: 'pbx@example.test',
        username: 'pbx',
      };
      expect(
        (await app.api('PUT', '/api/v1/smtp', { body: { ...stored, password: 'redirect-Me-not-1' } })).status,
      ).toBe(200);
      const row = () => app.sb.deps.db('smtp_settings').where({ id: 1 }).first();
      for (const moved of [
        { ...stored, host: 'smtp.attacker.example' },
        { ...stored, port: smtp.port + 1 },
        { ...stored, tls_mode: 'tls' },
        { ...stored, tls_mode: 'none' },
      ]) {
        const res = await changesNothing(app, () => app.api('PUT', '/api/v1/smtp', { body: moved }), row);
        expect([res.status, res.body.error.details[0].path, res.body.error.details[0].message]).toEqual([
          400,
          'password',
          expect.stringContaining('enter the password again'),
        ]);
      }
      // A new password with a plain connection is refused too: SMTP AUTH would send it as is.
      const plain = await changesNothing(
        app,
        () =>
          app.api('PUT', '/api/v1/smtp', {
            body: { ...stored, tls_mode: 'none', password: 'new-Pass-plain-1' },
          }),
        row,
      );
      expect([plain.status, plain.body.error.details[0].path]).toEqual([400, 'tls_mode']);
      // Re-entered, the move is taken; dropping the password allows a plain local relay again.
      const moved = await app.api('PUT', '/api/v1/smtp', {
        body: { ...stored, port: smtp.port + 1, password: 'redirect-Me-not-2' },
      });
      expect(moved.status).toBe(200);
      const relay = await app.api('PUT', '/api/v1/smtp', {
        body: { ...stored, tls_mode: 'none', username: null, password: null },
      });
      expect([relay.status, relay.body.password_set]).toEqual([200, false]);
    });

    it('a failed test email answers a generic 502: the remote server’s words stay in the log', async () => {
      const closed = { host: '127.0.0.1', port: 1, tls_mode: 'none', from_address: 'pbx@example.test' };
      expect((await app.api('PUT', '/api/v1/smtp', { body: closed })).status).toBe(200);
      try {
        const res = await app.api('POST', '/api/v1/smtp/test', { body: { to: 'admin@example.test' } });
        expect(res.status).toBe(502);
        expect(res.body.error).toMatchObject({
          code: 'smtp_failed',
          message: 'the SMTP server did not take the test email; the reason is in Switchboard’s log',
        });
        expect(res.text).not.toMatch(/ECONNREFUSED|connect|127\.0\.0\.1/);
      } finally {
        const back = {
          host: '127.0.0.1',
          port: smtp.port,
          tls_mode: 'none',
          from_address: 'pbx@example.test',
        };
        expect((await app.api('PUT', '/api/v1/smtp', { body: back })).status).toBe(200);
      }
    });

    it('refuses a newline or an injection string in host, from address, name or test recipient with 400 and changes nothing', async () => {
      const good = { host: '127.0.0.1', port: smtp.port, tls_mode: 'none', from_address: 'pbx@example.test' };
      const before = (await app.api('GET', '/api/v1/smtp')).body;
      const bad = [
        ...HOSTILE.map((h) => ({ ...good, host: h })),
        ...HOSTILE.map((h) => ({ ...good, from_address: `pbx@example.test${h}` })),
        ...HOSTILE.filter((h) => /[\r\n\0]/.test(h)).map((h) => ({ ...good, from_name: `PBX${h}` })),
        { ...good, from_address: 'pbx@example.test\r\nBcc: victim@example.test' },
        { ...good, port: 0 },
        { ...good, tls_mode: 'ssl' },
      ];
      for (const body of bad) {
        const res = await app.api('PUT', '/api/v1/smtp', { body });
        expect([res.status, JSON.stringify(body)]).toEqual([400, JSON.stringify(body)]);
        expect(res.body.error.code).toBe('validation_failed');
      }
      expect((await app.api('GET', '/api/v1/smtp')).body).toEqual(before);
      for (const to of ['a@example.test\nBcc: b@example.test', 'x;y', 'not-an-address', ...HOSTILE]) {
        const sent = smtp.received.length;
        const res = await app.api('POST', '/api/v1/smtp/test', { body: { to } });
        expect(res.status).toBe(400);
        expect(smtp.received.length).toBe(sent);
      }
    });

    it('"send test email" delivers one email to the given address', async () => {
      const before = smtp.received.length;
      const res = await app.api('POST', '/api/v1/smtp/test', { body: { to: 'admin@example.test' } });
      expect(res.status).toBe(200);
      await smtp.waitFor(before + 1);
      expect(smtp.recipients[before]).toEqual(['admin@example.test']);
      expect(smtp.received[before]!.subject).toBe('Switchboard test email');
    });

    it('only admins see SMTP settings and the delivery log', async () => {
      for (const token of [app.tokens.user, app.tokens.supervisor]) {
        expect((await app.api('GET', '/api/v1/smtp', { token })).status).toBe(403);
        expect((await app.api('GET', '/api/v1/voicemail-deliveries', { token })).status).toBe(403);
        expect(
          (await app.api('POST', '/api/v1/smtp/test', { token, body: { to: 'x@example.test' } })).status,
        ).toBe(403);
      }
    });
  });
});
