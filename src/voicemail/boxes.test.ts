import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../../test/support/app';
import { ariObject, asteriskCli, waitFor } from '../../test/support/asterisk';
import { snapshotConfig } from '../../test/support/config-files';
import { requireAsterisk, testEnv } from '../../test/support/env';
import { HOSTILE } from '../../test/support/hostile';
import { unseal } from '../lib/sealed';

// Voicemail boxes through the REST API, applied to the real sandbox Asterisk.

const NUMBERS = ['1001', '1002', '1003', '1004'];
let app: TestApp;

beforeAll(async () => {
  requireAsterisk();
  app = await startTestApp();
  for (const [number, name] of [
    ['1001', 'Alice Martin'],
    ['1002', 'Bob (Sales)'],
    ['1003', 'Carol'],
  ] as const) {
    const res = await app.api('POST', '/api/v1/extensions', {
      body: { number, display_name: name, voicemail_enabled: number === '1001' },
    });
    expect(res.status).toBe(201);
  }
  await app.applyNow();
}, 60_000);

afterAll(async () => {
  if (!app) return;
  try {
    for (const r of (await app.api('GET', '/api/v1/inbound-routes')).body.items ?? [])
      await app.api('DELETE', `/api/v1/inbound-routes/${r.id}`);
    for (const number of NUMBERS) await app.api('DELETE', `/api/v1/extensions/${number}`);
    await app.applyNow();
  } finally {
    await app.close();
  }
}, 60_000);

const conf = () => readFileSync(join(testEnv.asteriskConfigDir, 'voicemail.conf'), 'utf8');
const boxCount = async () => Number((await app.sb.deps.db('voicemail_boxes').count({ n: '*' }))[0]?.n ?? 0);

describe('voicemail boxes', () => {
  it('an extension created with voicemail_enabled gets a box with a generated PIN, never shown by a read', async () => {
    const box = await app.api('GET', '/api/v1/voicemail-boxes/1001');
    expect(box.status).toBe(200);
    expect(box.body).toMatchObject({ number: '1001', display_name: 'Alice Martin', email: null });
    expect(box.body).not.toHaveProperty('pin');
    const row = await app.sb.deps.db('voicemail_boxes').where({ extension_number: '1001' }).first();
    // Stored sealed (src/lib/sealed.ts); voicemail.conf gets it in clear.
    expect(row.pin).toMatch(/^v1:/);
    const pin = unseal(row.pin);
    expect(pin).toMatch(/^[0-9]{6}$/);
    expect(conf()).toContain(`\n1001 => ${pin},Alice Martin\n`);
  });

  it('POST creates a box (PIN returned once), turns the extension flag on, renders voicemail.conf without email, MWI on the endpoint', async () => {
    const res = await app.api('POST', '/api/v1/voicemail-boxes', {
      body: { number: '1002', email: 'bob@example.com', transcribe: true },
    });
    expect(res.status).toBe(201);
    expect(res.body.pin).toMatch(/^[0-9]{6}$/);
    expect(res.body).toMatchObject({
      number: '1002',
      email: 'bob@example.com',
      transcribe: true,
      attach_audio: true,
    });
    expect((await app.api('GET', '/api/v1/extensions/1002')).body.voicemail_enabled).toBe(true);
    await app.applyNow();
    const text = conf();
    // The directory name loses the parentheses; no email and no mailcmd reach Asterisk.
    expect(text).toContain(`\n1002 => ${res.body.pin},Bob  Sales\n`);
    expect(text).not.toContain('example.com');
    expect(text).not.toMatch(/^\s*mailcmd/m);
    const users = await asteriskCli('voicemail show users for switchboard');
    expect(users).toMatch(/switchboard\s+1001\s+Alice Martin/);
    expect(users).toMatch(/switchboard\s+1002\s+Bob {2}Sales/);
    expect((await ariObject('endpoint', '1002'))?.['mailboxes']).toBe('1002@switchboard');
    expect(await asteriskCli('pjsip show endpoint 1002')).toContain('1002@switchboard');
    // An extension without a box has no mailbox.
    expect((await ariObject('endpoint', '1003'))?.['mailboxes'] ?? '').toBe('');

    const again = await app.api('POST', '/api/v1/voicemail-boxes', { body: { number: '1002' } });
    expect(again.status).toBe(409);
    const none = await app.api('POST', '/api/v1/voicemail-boxes', { body: { number: '1999' } });
    expect(none.status).toBe(422);
  }, 60_000);

  it('refuses bad input with 400 and changes nothing: non-digit PINs, emails with newlines, injection strings', async () => {
    await app.applyNow();
    await app.settled();
    const before = snapshotConfig();
    const rowsBefore = await app.sb.deps.db('voicemail_boxes').orderBy('extension_number');
    const bad: Array<[string, string, unknown]> = [];
    for (const pin of ['12a4', '12 34', '123', '12345678901', '1234\n', '', '1111', '٣٤٥٦']) {
      bad.push(['POST', '/api/v1/voicemail-boxes', { number: '1003', pin }]);
      bad.push(['PUT', '/api/v1/voicemail-boxes/1001/pin', { pin }]);
    }
    for (const email of [
      'bob@example.com\nBcc: x@evil.com',
      'bob@example.com\r\n',
      'not-an-email',
      ...HOSTILE,
    ]) {
      bad.push(['POST', '/api/v1/voicemail-boxes', { number: '1003', email }]);
      bad.push(['PATCH', '/api/v1/voicemail-boxes/1001', { email }]);
    }
    for (const number of [...HOSTILE, '10a1', '']) bad.push(['POST', '/api/v1/voicemail-boxes', { number }]);
    bad.push(['PATCH', '/api/v1/voicemail-boxes/1001', { pin: '1234' }]); // the PIN has its own endpoint
    bad.push(['PATCH', '/api/v1/voicemail-boxes/1001', { transcribe: 'yes' }]);
    bad.push(['PATCH', '/api/v1/voicemail-boxes/1001', { unavailable_greeting_id: 'x' }]);
    for (const [method, path, body] of bad) {
      const res = await app.api(method, path, { body });
      expect({ method, path, body, status: res.status }).toEqual({ method, path, body, status: 400 });
      expect(res.body.error.details.length).toBeGreaterThan(0);
    }
    expect(await app.api('GET', '/api/v1/voicemail-boxes/1x').then((r) => r.status)).toBe(400);
    expect(await app.sb.deps.db('voicemail_boxes').orderBy('extension_number')).toEqual(rowsBefore);
    await app.applyNow();
    expect(snapshotConfig()).toEqual(before);
  }, 60_000);

  it('the box owner may change their own PIN, not another box; an admin resets one to a new generated PIN', async () => {
    const own = await app.api('PUT', '/api/v1/voicemail-boxes/1001/pin', {
      token: app.tokens.user,
      body: { pin: '482913' },
    });
    expect(own.status).toBe(200);
    expect(own.body).toEqual({ pin: '482913' });
    const other = await app.api('PUT', '/api/v1/voicemail-boxes/1002/pin', {
      token: app.tokens.user,
      body: { pin: '482913' },
    });
    expect(other.status).toBe(403);
    expect((await app.api('GET', '/api/v1/voicemail-boxes/1001', { token: app.tokens.user })).status).toBe(
      403,
    );
    expect(
      (await app.api('PUT', '/api/v1/voicemail-boxes/1001/pin', { token: app.tokens.supervisor, body: {} }))
        .status,
    ).toBe(403);
    const reset = await app.api('PUT', '/api/v1/voicemail-boxes/1002/pin', { body: {} });
    expect(reset.status).toBe(200);
    expect(reset.body.pin).toMatch(/^[0-9]{6}$/);
    await app.applyNow();
    expect(conf()).toContain('\n1001 => 482913,Alice Martin\n');
    expect(conf()).toContain(`\n1002 => ${reset.body.pin},Bob  Sales\n`);
  }, 60_000);

  it('a voicemail destination needs a box; a box in use cannot be deleted or switched off (409)', async () => {
    const route = (target: string) => ({
      name: `to voicemail ${target}`,
      did: `3225550${target}`,
      destination: { type: 'voicemail', target },
    });
    expect((await app.api('POST', '/api/v1/inbound-routes', { body: route('1003') })).status).toBe(422);
    const created = await app.api('POST', '/api/v1/inbound-routes', { body: route('1001') });
    expect(created.status).toBe(201);
    await app.applyNow();
    expect(await asteriskCli('dialplan show 1001@sb-dest-voicemail')).toContain(
      'VoiceMail(1001@switchboard,u)',
    );

    const del = await app.api('DELETE', '/api/v1/voicemail-boxes/1001');
    expect(del.status).toBe(409);
    expect(del.body.error.message).toContain('to voicemail 1001');
    const off = await app.api('PATCH', '/api/v1/extensions/1001', { body: { voicemail_enabled: false } });
    expect(off.status).toBe(409);
    expect((await app.api('DELETE', '/api/v1/extensions/1001')).status).toBe(409);
    expect(await boxCount()).toBe(2);

    expect((await app.api('DELETE', `/api/v1/inbound-routes/${created.body.id}`)).status).toBe(204);
  }, 60_000);

  it('switching the extension flag off removes the box, on creates one; DELETE removes box and flag', async () => {
    expect(
      (await app.api('PATCH', '/api/v1/extensions/1003', { body: { voicemail_enabled: true } })).status,
    ).toBe(200);
    expect((await app.api('GET', '/api/v1/voicemail-boxes/1003')).status).toBe(200);
    expect(
      (await app.api('PATCH', '/api/v1/extensions/1003', { body: { voicemail_enabled: false } })).status,
    ).toBe(200);
    expect((await app.api('GET', '/api/v1/voicemail-boxes/1003')).status).toBe(404);

    const csv = 'number,display_name,voicemail_enabled\n1004,Dave,yes\n';
    const imp = await app.api('POST', '/api/v1/extensions/import', { body: csv, contentType: 'text/csv' });
    expect(imp.status).toBe(200);
    expect((await app.api('GET', '/api/v1/voicemail-boxes/1004')).status).toBe(200);

    expect((await app.api('DELETE', '/api/v1/voicemail-boxes/1004')).status).toBe(204);
    expect((await app.api('GET', '/api/v1/extensions/1004')).body.voicemail_enabled).toBe(false);
    await app.applyNow();
    expect(conf()).not.toContain('\n1004 =>');
    expect(await asteriskCli('dialplan show sb-voicemail-nopin')).not.toContain('1004');
  }, 60_000);

  it('a chosen greeting is copied into the box spool as app_voicemail names it; the greeting is then in use', async () => {
    const g = await app.api('POST', '/api/v1/greetings', {
      body: { name: 'Alice away', default_language: 'en', tts_text: 'Alice is away, leave a message.' },
    });
    expect(g.status).toBe(201);
    const bad = await app.api('PATCH', '/api/v1/voicemail-boxes/1001', {
      body: { busy_greeting_id: 999999 },
    });
    expect(bad.status).toBe(422);
    const res = await app.api('PATCH', '/api/v1/voicemail-boxes/1001', {
      body: { unavailable_greeting_id: g.body.id, temporary_greeting_id: g.body.id },
    });
    expect(res.status).toBe(200);
    const dir = join(testEnv.asteriskSpoolDir, 'voicemail', 'switchboard', '1001');
    for (const name of ['unavail.wav', 'temp.wav', 'unavail.sln16'])
      expect(existsSync(join(dir, name))).toBe(true);
    expect(existsSync(join(dir, 'busy.wav'))).toBe(false);
    // Owned like the spool's voicemail directory, so Asterisk can add INBOX next to them.
    const owner = statSync(join(testEnv.asteriskSpoolDir, 'voicemail'));
    expect(statSync(dir).uid).toBe(owner.uid);
    expect(statSync(join(dir, 'unavail.wav')).uid).toBe(owner.uid);

    const delGreeting = await app.api('DELETE', `/api/v1/greetings/${g.body.id}`);
    expect(delGreeting.status).toBe(409);
    expect(delGreeting.body.error.message).toContain('voicemail box 1001');

    const cleared = await app.api('PATCH', '/api/v1/voicemail-boxes/1001', {
      body: { temporary_greeting_id: null },
    });
    expect(cleared.status).toBe(200);
    expect(existsSync(join(dir, 'temp.wav'))).toBe(false);
    expect(existsSync(join(dir, 'unavail.wav'))).toBe(true);

    // The greeting's audio is replaced: the box plays the new recording, not a stale copy.
    const before = readFileSync(join(dir, 'unavail.wav'));
    const redo = await app.api('PUT', `/api/v1/greetings/${g.body.id}/variants/en`, {
      body: { tts_text: 'Alice is on holiday until Monday. Please leave a message after the tone.' },
    });
    expect(redo.status).toBe(200);
    await waitFor('the box copy to follow the new audio', async () => {
      const now = readFileSync(join(dir, 'unavail.wav'));
      return now.length !== before.length;
    });
    expect(readFileSync(join(dir, 'unavail.wav')).length).toBeGreaterThan(before.length);
  }, 60_000);
});
