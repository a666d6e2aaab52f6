import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createUser } from '../../src/auth/accounts';
import { createApiToken } from '../../src/auth/tokens';
import { mailboxDir } from '../../src/voicemail/spool';
import { killAllCarrierSipp } from '../carrier/sipp';
import { startTestApp, type TestApp } from '../support/app';
import { asteriskCli, hangUpChannels, waitFor } from '../support/asterisk';
import { testEnv } from '../support/env';
import { registeredPhone } from '../support/sip-register';
import { leaveMessage, spokenUlaw } from '../support/voicemail-caller';

// Visual voicemail end to end: a real SIP caller (sipp) rings 1001, nobody answers (1001 has no
// phone registered), Asterisk's app_voicemail records the caller's speech (espeak-ng, streamed
// as PCMU RTP) into the real spool; the message appears in the API for 1001's user only, and
// "heard" moves it to Old so that Asterisk's own count of new messages for 1001 drops to 0.

let app: TestApp;
let bobToken: string;
const SENTENCE = 'hello this is bob please call me back tomorrow morning about the meeting';

// "voicemail show users for switchboard": Asterisk counts the new messages from the spool.
async function asteriskNewCount(box: string): Promise<number | null> {
  const out = await asteriskCli('voicemail show users for switchboard');
  for (const line of out.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols[0] === 'switchboard' && cols[1] === box) return Number(cols[cols.length - 1]);
  }
  return null;
}

function spoolFolder(box: string, folder: string): string[] {
  try {
    return readdirSync(join(mailboxDir(testEnv.asteriskSpoolDir, box), folder))
      .filter((n) => n.startsWith('msg'))
      .sort();
  } catch {
    return [];
  }
}

beforeAll(async () => {
  app = await startTestApp();
  // Messages left by an earlier run would make the counts below ambiguous.
  for (const folder of ['INBOX', 'Old', 'Urgent']) {
    rmSync(join(mailboxDir(testEnv.asteriskSpoolDir, '1001'), folder), { recursive: true, force: true });
  }
  const bob = await createUser(app.sb.deps.db, {
    username: 'bob',
    password: 'bob-password-12',
    role: 'user',
    extensionNumber: '1002',
  });
  bobToken = await createApiToken(app.sb.deps.db, bob, 'test');
}, 60_000);

afterAll(async () => {
  killAllCarrierSipp();
  await hangUpChannels((c) => /^PJSIP\/100[12]-/.test(c.name)).catch(() => undefined);
  if (app) {
    try {
      for (const n of ['1001', '1002']) await app.api('DELETE', `/api/v1/extensions/${n}`);
      await app.applyNow();
    } finally {
      await app.close();
    }
  }
}, 60_000);

describe('visual voicemail with a real call', () => {
  it('a missed call leaves a message for 1001 that its user sees (not another user), and "heard" clears Asterisk\'s new count', async () => {
    const secrets: Record<string, string> = {};
    for (const [number, name] of [
      ['1001', 'Alice'],
      ['1002', 'Bob'],
    ] as const) {
      const res = await app.api('POST', '/api/v1/extensions', { body: { number, display_name: name } });
      expect(res.status).toBe(201);
      secrets[number] = res.body.sip_secret;
    }
    const box = await app.api('POST', '/api/v1/voicemail-boxes', {
      body: { number: '1001', transcribe: true },
    });
    expect(box.status).toBe(201);
    await app.applyNow();
    await waitFor(
      'Asterisk to know mailbox 1001',
      async () => (await asteriskNewCount('1001')) === 0,
      20_000,
    );

    // The unavailable greeting and the beep (~12 s), then the sentence twice, then the caller hangs up.
    const said = spokenUlaw(SENTENCE, { padSeconds: 2 }).ulaw;
    const call = await leaveMessage({
      from: { number: '1002', secret: secrets['1002'] ?? '' },
      to: '1001',
      speech: Buffer.concat([said, said]),
    });
    expect({ code: call.code, errors: call.errors }).toMatchObject({ code: 0 });

    const listed = await waitFor(
      "the message in 1001's box through the API",
      async () => {
        const res = await app.api('GET', '/api/v1/voicemail-boxes/1001/messages', { token: app.tokens.user });
        return res.status === 200 && res.body.items.length === 1 ? res.body : null;
      },
      20_000,
    );
    const message = listed.items[0];
    expect(message).toMatchObject({ folder: 'INBOX', new: true, caller_number: '1002' });
    expect(message.id).toMatch(/^[0-9]+-[0-9a-f]{8}$/);
    expect(message.duration_seconds).toBeGreaterThanOrEqual(5);
    expect(spoolFolder('1001', 'INBOX')).toEqual(['msg0000.txt', 'msg0000.wav']);
    expect(await asteriskNewCount('1001')).toBe(1);
    // 1001's phone comes online: Asterisk tells it a message waits (unsolicited MWI NOTIFY).
    const desk = await registeredPhone({
      server: '127.0.0.1',
      port: testEnv.sipPort,
      user: '1001',
      password: secrets['1001'] ?? '',
      expires: 120,
    });
    expect(desk.status).toBe(200);
    const lamp = () => desk.notifies.map((n) => /^Messages-Waiting:\s*(\w+)/im.exec(n)?.[1]).at(-1);
    await waitFor('the phone to get "Messages-Waiting: yes"', async () => lamp() === 'yes', 20_000);

    // Its audio plays for 1001's user; 1002's user gets 403 for box 1001.
    const audio = await fetch(`${app.url}${message.audio_url}`, {
      headers: { authorization: `Bearer ${app.tokens.user}` },
    });
    expect(audio.status).toBe(200);
    expect(audio.headers.get('content-type')).toBe('audio/wav');
    expect((await audio.arrayBuffer()).byteLength).toBeGreaterThan(8000 * 2 * 5);
    expect((await app.api('GET', '/api/v1/voicemail-boxes/1001/messages', { token: bobToken })).status).toBe(
      403,
    );
    expect((await app.api('GET', message.audio_url, { token: bobToken })).status).toBe(403);
    expect(
      (
        await app.api('POST', `/api/v1/voicemail-boxes/1001/messages/${message.id}/heard`, {
          token: bobToken,
        })
      ).status,
    ).toBe(403);

    // Transcription (box has it on): printed for the report, the recording holds the greeting's
    // tail and the looping sentence.
    const transcribed = await waitFor(
      'the transcription',
      async () => {
        const res = await app.api('GET', '/api/v1/voicemail-boxes/1001/messages', { token: app.tokens.user });
        return res.body.items[0]?.transcription_state === 'done' ? res.body.items[0] : null;
      },
      60_000,
    );
    console.log(`e2e voicemail transcription: "${transcribed.transcription}" (said, looped: "${SENTENCE}")`);

    const heard = await app.api('POST', `/api/v1/voicemail-boxes/1001/messages/${message.id}/heard`, {
      token: app.tokens.user,
    });
    expect(heard.status).toBe(200);
    expect(heard.body).toEqual({ id: message.id, folder: 'Old' });
    expect(spoolFolder('1001', 'INBOX')).toEqual([]);
    expect(spoolFolder('1001', 'Old')).toEqual(['msg0000.txt', 'msg0000.wav']);
    expect(
      readFileSync(join(mailboxDir(testEnv.asteriskSpoolDir, '1001'), 'Old', 'msg0000.txt'), 'utf8'),
    ).toContain(`msg_id=${message.id}`);
    await waitFor(
      "Asterisk's new-message count for 1001 to drop to 0",
      async () => (await asteriskNewCount('1001')) === 0,
      30_000,
    );
    const after = await app.api('GET', '/api/v1/voicemail-boxes/1001/messages', { token: app.tokens.user });
    expect(after.body.counts).toEqual({ new: 0, old: 1 });
    // ...and the phone's message lamp goes out.
    await waitFor('the phone to get "Messages-Waiting: no"', async () => lamp() === 'no', 30_000);
    desk.close();
  }, 240_000);
});
