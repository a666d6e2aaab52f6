import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiCreate, createExtensions, extensionPaths, startTestApp, type TestApp } from '../support/app';
import { CallObserver, type DialplanStep, type ObservedChannel } from '../support/call-observer';
import { endCallSuite, endCalls } from '../support/call-suite';
import { requireAsterisk } from '../support/env';
import { answerCalls, type Phone, phoneFor, register, type SippHandle, succeeded } from '../support/sip';
import { tracedDial, tracedSounds } from '../support/trace';
import { callFromTrunk, createCallerTrunk, type TrunkCallOptions } from '../support/trunk-caller';

// IVR menus and announcements with real parts: a carrier (sipp from 127.0.0.9, an IP trunk)
// calls a DID whose inbound route leads to the menu, hears the prompt (a TTS greeting) and
// presses keys as RFC 2833 DTMF. Asterisk's own view (ARI ChannelDialplan events, through
// CallObserver) shows which prompts played and where the call went; registered sipp phones
// answer at the destination.
//
// Menu "Main": 1 → 1001, 2 → 1002, 3 → menu "Sub", 9 replays the prompt; 3 s timeout, 2 retries
// with the "Sorry" retry prompt, then 1003. Menu "Sub": 1 → 1001, 1 retry, then hang up.
// Each test keeps where the call finally went (`landed`, the Dial data) explicit.

const NUMBERS = ['1001', '1002', '1003'] as const;
const DID_MENU = '3225550101';
const DID_ANNOUNCEMENT = '3225550102';
const MAX_RETRIES = 2;

let app: TestApp;
let observer: CallObserver;
const secrets = new Map<string, string>();
const greetings = { prompt: 0, sorry: 0, sub: 0, welcome: 0 };
const sound = (id: number) => `switchboard/greeting-${id}`;
let mainIvr: number;
let subIvr: number;
const created = { routes: [] as number[], ivrs: [] as number[], announcements: [] as number[], trunk: 0 };

beforeAll(async () => {
  requireAsterisk();
  app = await startTestApp();
  observer = await CallObserver.start();
  await createExtensions(app, NUMBERS, { secrets, label: 'Agent' });
  created.trunk = await createCallerTrunk(app);
  // Short prompts keep the retry paths quick.
  const tts = async (name: string, text: string) =>
    (await apiCreate(app, '/api/v1/greetings', { name, default_language: 'en', tts_text: text })).id;
  greetings.prompt = await tts('Main prompt', 'Main menu.');
  greetings.sorry = await tts('Sorry', 'Sorry.');
  greetings.sub = await tts('Sub prompt', 'Support.');
  // The announcement's greeting is an uploaded mp3, so a converted upload is heard by a caller.
  greetings.welcome = await uploadMp3('Welcome', 'Welcome to the test.');

  subIvr = (
    await apiCreate(app, '/api/v1/ivrs', {
      name: 'Sub',
      prompt_greeting_id: greetings.sub,
      options: [{ digit: '1', destination: { type: 'extension', target: '1001' } }],
      timeout_seconds: 3,
      max_retries: 1,
      retry_greeting_id: greetings.sorry,
      invalid_destination: { type: 'hangup', target: '' },
    })
  ).id;
  mainIvr = (
    await apiCreate(app, '/api/v1/ivrs', {
      name: 'Main',
      prompt_greeting_id: greetings.prompt,
      options: [
        { digit: '1', destination: { type: 'extension', target: '1001' } },
        { digit: '2', destination: { type: 'extension', target: '1002' } },
        { digit: '3', destination: { type: 'ivr', target: String(subIvr) } },
      ],
      repeat_digit: '9',
      timeout_seconds: 3,
      max_retries: MAX_RETRIES,
      retry_greeting_id: greetings.sorry,
      invalid_destination: { type: 'extension', target: '1003' },
    })
  ).id;
  created.ivrs.push(mainIvr, subIvr);
  const announcement = await apiCreate(app, '/api/v1/announcements', {
    name: 'Welcome',
    greeting_id: greetings.welcome,
    destination: { type: 'extension', target: '1002' },
  });
  created.announcements.push(announcement.id);
  for (const [name, did, destination] of [
    ['IVR line', DID_MENU, { type: 'ivr', target: String(mainIvr) }],
    ['Announcement line', DID_ANNOUNCEMENT, { type: 'announcement', target: String(announcement.id) }],
  ] as const) {
    created.routes.push((await apiCreate(app, '/api/v1/inbound-routes', { name, did, destination })).id);
  }
  await app.applied();
}, 180_000);

afterEach(() => endCalls(observer));

// Through the API, so Asterisk's memory copies of the extensions and the sounds go too.
afterAll(
  () =>
    endCallSuite(app, observer, () => [
      ...created.routes.map((id) => `/api/v1/inbound-routes/${id}`),
      ...created.announcements.map((id) => `/api/v1/announcements/${id}`),
      ...created.ivrs.map((id) => `/api/v1/ivrs/${id}`),
      ...Object.values(greetings).map((id) => `/api/v1/greetings/${id}`),
      ...(created.trunk ? [`/api/v1/trunks/${created.trunk}`] : []),
      ...extensionPaths(NUMBERS),
    ]),
  120_000,
);

describe('a caller through an inbound route reaches an IVR menu', () => {
  it('hears the prompt, presses 2 and is answered by option 2 (1002); option 1 (1001) never rings', async () => {
    const phones = await answering(['1001', '1002']);
    const call = callFromTrunk(trunkCall({ digits: '2', holdMs: 6_000 }));
    const ch = await carrierChannel();
    await observer.ran(ch, 'Background', sound(greetings.prompt));
    const landed = await observer.ran(ch, 'Dial', 'PJSIP/1002');
    expect(landed.data).toMatch(/^PJSIP\/1002,/);
    expect((await call).ok).toBe(true);
    await succeeded(phones.get('1002')!);
    expect(dials(ch)).toEqual(['PJSIP/1002']);
    expect(channelsOf('1001')).toEqual([]);
    expect(channelsOf('1002')).toHaveLength(1);
    expect(count(ch, 'Background', sound(greetings.sorry))).toBe(0);
    expect(await tracedDial(app, { did: DID_MENU, digits: '2' })).toBe(dials(ch)[0]);
  }, 90_000);

  it('with no key pressed, plays the retry prompt then the prompt again max_retries times, then goes to the final destination (1003)', async () => {
    const phones = await answering(['1003']);
    // prompt + 3 s, then twice (retry prompt + prompt + 3 s), then 1003 answers.
    const call = callFromTrunk(trunkCall({ holdMs: 30_000 }));
    const ch = await carrierChannel();
    const landed = await observer.ran(ch, 'Dial', 'PJSIP/1003', 60_000);
    expect(landed.data).toMatch(/^PJSIP\/1003,/);
    expect(count(ch, 'WaitExten')).toBe(MAX_RETRIES + 1);
    expect(count(ch, 'Background', sound(greetings.sorry))).toBe(MAX_RETRIES);
    expect(count(ch, 'Background', sound(greetings.prompt))).toBe(MAX_RETRIES + 1);
    await succeeded(phones.get('1003')!);
    expect((await call).ok).toBe(true);
    expect(dials(ch)).toEqual(['PJSIP/1003']);
    expect(await tracedDial(app, { did: DID_MENU, digits: '' })).toBe('PJSIP/1003');
  }, 120_000);

  it('a wrong key plays the retry prompt once; a right key afterwards still works (2 → 1002)', async () => {
    const phones = await answering(['1002']);
    const call = callFromTrunk(trunkCall({ digits: '52', gapMs: 2_500, holdMs: 6_000 }));
    const ch = await carrierChannel();
    const landed = await observer.ran(ch, 'Dial', 'PJSIP/1002', 40_000);
    expect(landed.data).toMatch(/^PJSIP\/1002,/);
    expect(ch.steps.filter((s) => s.exten === 'i' && s.app === 'Goto')).toHaveLength(1);
    expect(count(ch, 'Background', sound(greetings.sorry))).toBe(1);
    await succeeded(phones.get('1002')!);
    expect((await call).ok).toBe(true);
    expect(dials(ch)).toEqual(['PJSIP/1002']);
    expect(await tracedDial(app, { did: DID_MENU, digits: '5 2' })).toBe('PJSIP/1002');
  }, 90_000);

  it('wrong keys more than max_retries times send the caller to the final destination (1003)', async () => {
    const phones = await answering(['1003']);
    const call = callFromTrunk(trunkCall({ digits: '555', gapMs: 2_500, holdMs: 8_000 }));
    const ch = await carrierChannel();
    const landed = await observer.ran(ch, 'Dial', 'PJSIP/1003', 40_000);
    expect(landed.data).toMatch(/^PJSIP\/1003,/);
    expect(ch.steps.filter((s) => s.exten === 'i' && s.app === 'Goto')).toHaveLength(MAX_RETRIES + 1);
    expect(count(ch, 'Background', sound(greetings.sorry))).toBe(MAX_RETRIES);
    await succeeded(phones.get('1003')!);
    expect((await call).ok).toBe(true);
    expect(dials(ch)).toEqual(['PJSIP/1003']);
    expect(await tracedDial(app, { did: DID_MENU, digits: '5 5 5' })).toBe('PJSIP/1003');
  }, 90_000);

  it('a nested menu: 3 enters the submenu (its own prompt, tries reset), where 1 reaches 1001', async () => {
    const phones = await answering(['1001']);
    // A wrong key first, so the main menu has used a try before the submenu resets the count.
    const call = callFromTrunk(trunkCall({ digits: '531', gapMs: 2_500, holdMs: 6_000 }));
    const ch = await carrierChannel();
    const landed = await observer.ran(ch, 'Dial', 'PJSIP/1001', 40_000);
    expect(landed.data).toMatch(/^PJSIP\/1001,/);
    const sub = `sb-ivr-${subIvr}`;
    expect(ch.steps.find((s) => s.context === sub && s.app === 'BackGround')?.data).toBe(
      sound(greetings.sub),
    );
    expect(ch.steps.find((s) => s.context === sub && s.app === 'Set')?.data).toBe('SB_IVR_TRIES=0');
    expect(contextsVisited(ch)).toEqual([
      'sb-dest-ivr',
      `sb-ivr-${mainIvr}`,
      'sb-dest-ivr',
      sub,
      'sb-dest-extension',
    ]);
    await succeeded(phones.get('1001')!);
    expect((await call).ok).toBe(true);
    expect(dials(ch)).toEqual(['PJSIP/1001']);
    expect(await tracedDial(app, { did: DID_MENU, digits: '5 3 1' })).toBe('PJSIP/1001');
  }, 90_000);

  it('the repeat key replays the prompt without using a try; then 2 reaches 1002', async () => {
    const phones = await answering(['1002']);
    const call = callFromTrunk(trunkCall({ digits: '92', gapMs: 2_500, holdMs: 6_000 }));
    const ch = await carrierChannel();
    const landed = await observer.ran(ch, 'Dial', 'PJSIP/1002', 40_000);
    expect(landed.data).toMatch(/^PJSIP\/1002,/);
    expect(count(ch, 'Background', sound(greetings.prompt))).toBe(2);
    expect(count(ch, 'Background', sound(greetings.sorry))).toBe(0);
    expect(ch.steps.filter((s) => s.exten === '9')).not.toHaveLength(0);
    await succeeded(phones.get('1002')!);
    expect((await call).ok).toBe(true);
    expect(await tracedDial(app, { did: DID_MENU, digits: '9 2' })).toBe('PJSIP/1002');
  }, 90_000);
});

describe('an announcement', () => {
  it('plays its greeting to the caller, then the call reaches its destination (1002)', async () => {
    const phones = await answering(['1002']);
    const call = callFromTrunk(trunkCall({ did: DID_ANNOUNCEMENT, holdMs: 10_000 }));
    const ch = await carrierChannel();
    const played = await observer.ran(ch, 'Playback', sound(greetings.welcome));
    expect(played.data).toBe(sound(greetings.welcome));
    const landed = await observer.ran(ch, 'Dial', 'PJSIP/1002', 30_000);
    expect(landed.data).toMatch(/^PJSIP\/1002,/);
    // The greeting came first.
    expect(ch.steps.indexOf(played)).toBeLessThan(ch.steps.indexOf(landed));
    await succeeded(phones.get('1002')!);
    expect((await call).ok).toBe(true);
    expect(dials(ch)).toEqual(['PJSIP/1002']);
    // The trace names the same greeting and the same destination.
    expect(await tracedSounds(app, { did: DID_ANNOUNCEMENT })).toEqual([sound(greetings.welcome)]);
    expect(await tracedDial(app, { did: DID_ANNOUNCEMENT })).toBe('PJSIP/1002');
  }, 90_000);
});

// ---------------------------------------------------------------- helpers

// An mp3 made here (espeak-ng, then sox), uploaded as a new greeting through the multipart API.
async function uploadMp3(name: string, text: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-ivr-mp3-'));
  try {
    execFileSync('espeak-ng', ['-w', join(dir, 'a.wav'), text]);
    execFileSync('sox', [join(dir, 'a.wav'), join(dir, 'a.mp3')]);
    const form = new FormData();
    form.append('name', name);
    form.append('default_language', 'en');
    form.append('file', new Blob([readFileSync(join(dir, 'a.mp3'))], { type: 'audio/mpeg' }), 'welcome.mp3');
    const res = await fetch(`${app.url}/api/v1/greetings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${app.tokens.admin}` },
      body: form,
    });
    if (res.status !== 201) throw new Error(`uploading ${name}: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { id: number }).id;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function trunkCall(opts: Partial<TrunkCallOptions> & { holdMs: number }): TrunkCallOptions {
  return { did: DID_MENU, hangup: 'caller', ...opts };
}

// Registers each phone, then answers on the same port (a sipp client scenario cannot take a new
// Call-ID): the returned handles exit 0 once their call was answered and hung up.
async function answering(numbers: readonly string[]): Promise<Map<string, SippHandle>> {
  const out = new Map<string, SippHandle>();
  for (const number of numbers) {
    const phone: Phone = await phoneFor(number, secrets.get(number)!);
    await succeeded(register(phone));
    out.set(number, await answerCalls(phone, { timeoutMs: 90_000 }));
  }
  return out;
}

function carrierChannel(): Promise<ObservedChannel> {
  return observer.channel('the carrier call in Asterisk', (c) =>
    c.name.startsWith('PJSIP/trunk-test-carrier'),
  );
}

function count(ch: ObservedChannel, app: string, data?: string): number {
  return ch.steps.filter(
    (s: DialplanStep) => s.app.toLowerCase() === app.toLowerCase() && (data === undefined || s.data === data),
  ).length;
}

function dials(ch: ObservedChannel): string[] {
  return ch.steps.filter((s) => s.app === 'Dial').map((s) => s.data.split(',')[0] ?? '');
}

function channelsOf(number: string): string[] {
  return [...observer.channels.values()]
    .filter((c) => c.name.startsWith(`PJSIP/${number}-`))
    .map((c) => c.name);
}

// The distinct dialplan contexts the call went through after the inbound route, in order.
function contextsVisited(ch: ObservedChannel): string[] {
  const seen: string[] = [];
  for (const s of ch.steps) {
    if (!s.context.startsWith('sb-ivr-') && !s.context.startsWith('sb-dest-')) continue;
    if (seen.at(-1) !== s.context) seen.push(s.context);
  }
  return seen;
}
