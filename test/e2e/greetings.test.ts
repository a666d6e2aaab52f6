import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteAll, extensionPaths, listedPaths, startTestApp, type TestApp } from '../support/app';
import { hangUpChannels, mainAri } from '../support/asterisk';
import { soxi } from '../support/audio';
import { requireAsterisk, testEnv } from '../support/env';
import {
  answerCalls,
  killAllSipp,
  type Phone,
  phoneFor,
  register,
  type SippHandle,
  succeeded,
} from '../support/sip';

// Greetings end to end: made by espeak-ng and from an uploaded mp3, converted with sox into the
// real Asterisk's sounds directory, then played to a real SIP phone (sipp) that Switchboard calls
// through ARI; Asterisk's own PlaybackStarted/PlaybackFinished events show what it played and for
// how long. Record-by-phone records the tone the phone streams and saves it as a variant.

const NUMBER = '1091';
const EN_TEXT =
  'Welcome to Switchboard. All our agents are busy. Please hold the line, we will be with you shortly.';
const FR_TEXT = 'Bonjour.';

let app: TestApp;
let phone: Phone;
let scratch: string;
const events: Array<{ at: number; name: string; id: string; media: string; state: string }> = [];

beforeAll(async () => {
  requireAsterisk();
  app = await startTestApp();
  scratch = mkdtempSync(join(tmpdir(), 'sb-greetings-e2e-'));
  app.sb.deps.ari.onEvent((name, data) => {
    if (name !== 'PlaybackStarted' && name !== 'PlaybackFinished') return;
    const p = (data as { playback?: { id?: string; media_uri?: string; state?: string } }).playback ?? {};
    events.push({ at: Date.now(), name, id: p.id ?? '', media: p.media_uri ?? '', state: p.state ?? '' });
  });
  const ext = await app.api('POST', '/api/v1/extensions', {
    body: { number: NUMBER, display_name: 'Greeter' },
  });
  expect(ext.status).toBe(201);
  await app.applied();
  phone = await phoneFor(NUMBER, ext.body.sip_secret);
  await succeeded(register(phone, { expires: 300 }));
  await waitUntil('the ARI event connection', async () => app.sb.deps.ari.connected || undefined, 15_000);
}, 120_000);

afterEach(async () => {
  killAllSipp();
  if (app) await hangUpChannels((c) => c.name.startsWith(`PJSIP/${NUMBER}-`));
});

afterAll(async () => {
  killAllSipp();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  if (!app) return;
  try {
    // Through the API, so the files in the shared sounds directory go too.
    const greetings = await listedPaths(app, '/api/v1/greetings');
    if (phone) await register(phone, { expires: 0 }).exited;
    await deleteAll(app, [...greetings, ...extensionPaths([NUMBER])], { applyMustSucceed: true });
  } finally {
    await app.close();
  }
}, 60_000);

describe('greetings on a real Asterisk', () => {
  let greeting: { id: number; sound: string; variants: Array<{ language: string; duration_ms: number }> };

  it('plays a text-to-speech greeting to a phone: Asterisk plays sound:switchboard/greeting-N for its whole length', async () => {
    const res = await app.api('POST', '/api/v1/greetings', {
      body: { name: 'Welcome', default_language: 'en', tts_text: EN_TEXT },
    });
    expect(res.status).toBe(201);
    greeting = res.body;
    const wav = join(testEnv.asteriskSoundsDir, `${greeting.sound}.wav`);
    expect(soxi(wav)).toMatchObject({ rate: 8000, channels: 1, bits: 16 });
    const durationMs = greeting.variants[0]?.duration_ms ?? 0;
    expect(durationMs).toBeGreaterThan(4000);

    const played = await playToPhone(greeting.id, {});
    expect(played.media).toBe(`sound:${greeting.sound}`);
    // Asterisk found the file and played it through: a missing file ends at once, "failed".
    expect(played.state).toBe('done');
    expect(played.elapsedMs).toBeGreaterThan(durationMs * 0.8);
  });

  it('plays an uploaded mp3 as the French variant to a phone whose channel language is fr', async () => {
    const wav = join(scratch, 'fr.wav');
    const mp3 = join(scratch, 'fr.mp3');
    execFileSync('espeak-ng', ['-v', 'fr-fr', '-w', wav, FR_TEXT]);
    execFileSync('sox', [wav, mp3]);
    expect(soxi(mp3).type).toBe('mp3');
    const form = new FormData();
    form.append('file', new Blob([readFileSync(mp3)], { type: 'audio/mpeg' }), 'bonjour.mp3');
    const up = await fetch(`${app.url}/api/v1/greetings/${greeting.id}/variants/fr`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${app.tokens.admin}` },
      body: form,
    });
    expect(up.status).toBe(200);
    const body = (await up.json()) as typeof greeting;
    const fr = body.variants.find((v) => v.language === 'fr');
    expect(fr).toBeDefined();
    expect(soxi(join(testEnv.asteriskSoundsDir, 'fr', `${greeting.sound}.wav`))).toMatchObject({
      rate: 8000,
      channels: 1,
      bits: 16,
      type: 'wav',
    });
    const en = body.variants.find((v) => v.language === 'en')?.duration_ms ?? 0;
    const frMs = fr?.duration_ms ?? 0;
    expect(frMs).toBeLessThan(en / 2);

    // Same sound name; the channel language picks the file. The French one is much shorter.
    const played = await playToPhone(greeting.id, { language: 'fr' });
    expect(played).toMatchObject({ media: `sound:${greeting.sound}`, state: 'done' });
    expect(played.elapsedMs).toBeGreaterThan(frMs * 0.8);
    expect(played.elapsedMs).toBeLessThan(en * 0.7);

    // A language without a variant falls back to the greeting's default (English, the long one).
    const fallback = await playToPhone(greeting.id, { language: 'de' });
    expect(fallback.state).toBe('done');
    expect(fallback.elapsedMs).toBeGreaterThan(en * 0.8);
  });

  it('records a variant by phone: beep, the audio the phone streams, saved as de and the stored recording deleted', async () => {
    const answering = await answerCalls(phone, { timeoutMs: 60_000 });
    const res = await app.api('POST', `/api/v1/greetings/${greeting.id}/record`, {
      body: { extension: NUMBER, language: 'de', max_seconds: 4 },
    });
    expect(res.status).toBe(202);
    expect(res.body.state).toBe('calling');
    const job = await waitForJob(res.body.id, answering);
    expect(job).toMatchObject({ state: 'done', error: null, kind: 'record' });
    await succeeded(answering);

    const read = await app.api('GET', `/api/v1/greetings/${greeting.id}`);
    const de = read.body.variants.find((v: { language: string }) => v.language === 'de');
    expect(de).toMatchObject({ source: 'phone' });
    expect(de.duration_ms).toBeGreaterThan(1000);
    const wav = join(testEnv.asteriskSoundsDir, 'de', `${greeting.sound}.wav`);
    expect(soxi(wav)).toMatchObject({ rate: 8000, channels: 1, bits: 16 });
    // The phone streams a 440 Hz tone: that is what was recorded, not silence.
    const stat = spawnSync('sox', [wav, '-n', 'stat']).stderr.toString();
    const frequency = Number(/Rough\s+frequency:\s+([0-9]+)/.exec(stat)?.[1]);
    expect(frequency).toBeGreaterThan(380);
    expect(frequency).toBeLessThan(500);
    expect(statSync(wav).mode & 0o777).toBe(0o644);
    const stored = await mainAri<Array<{ name: string }>>('GET', '/recordings/stored');
    expect(stored.map((r) => r.name)).not.toContain(`switchboard-greeting-${res.body.id}`);
  });
});

// ---------------------------------------------------------------- helpers

interface Played {
  media: string;
  state: string;
  elapsedMs: number;
}

// Switchboard calls the phone and plays the greeting; the phone answers, hears it, and gets
// Switchboard's BYE once Asterisk reports the playback finished.
async function playToPhone(id: number, opts: { language?: string }): Promise<Played> {
  const answering = await answerCalls(phone, { timeoutMs: 60_000 });
  const res = await app.api('POST', `/api/v1/greetings/${id}/play`, { body: { extension: NUMBER, ...opts } });
  expect(res.status).toBe(202);
  const job = await waitForJob(res.body.id, answering);
  expect(job).toMatchObject({ state: 'done', error: null });
  await succeeded(answering);
  const playbackId = `sb-greeting-play-${res.body.id}`;
  const started = events.find((e) => e.id === playbackId && e.name === 'PlaybackStarted');
  const finished = events.find((e) => e.id === playbackId && e.name === 'PlaybackFinished');
  expect(started).toBeDefined();
  expect(finished).toBeDefined();
  return {
    media: finished?.media ?? '',
    state: finished?.state ?? '',
    elapsedMs: (finished?.at ?? 0) - (started?.at ?? 0),
  };
}

async function waitForJob(id: string, phoneHandle: SippHandle) {
  return waitUntil(
    `job ${id} to finish`,
    async () => {
      const res = await app.api('GET', `/api/v1/greetings/jobs/${id}`);
      if (res.body.state === 'done' || res.body.state === 'failed') return res.body;
      if (phoneHandle.result && phoneHandle.result.code !== 0)
        throw new Error(`the phone gave up: ${phoneHandle.result.output}`);
      return undefined;
    },
    50_000,
  );
}

async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
