import { describeRun } from '../carrier/sipp';
import {
  apiCreate,
  createExtensions,
  createInboundRoute,
  extensionPaths,
  startTestApp,
  type TestApp,
} from '../support/app';
import { asteriskCli, waitFor } from '../support/asterisk';
import { CallObserver, type ObservedChannel } from '../support/call-observer';
import { endCallSuite, endCalls } from '../support/call-suite';
import { requireAsterisk } from '../support/env';
import { dialWithKeys } from '../support/phone-dtmf';
import { answerCalls, phoneFor, register, type SippHandle, succeeded } from '../support/sip';
import { tracedDial, tracedSounds } from '../support/trace';
import { callFromTrunk, createCallerTrunk } from '../support/trunk-caller';

// Emergency mode with real parts: a carrier (sipp from 127.0.0.9 over an IP trunk) calls a
// normal DID whose route rings 1002. With emergency mode on, Asterisk answers, plays the
// emergency greeting (a TTS greeting; the Playback is seen from Asterisk through CallObserver)
// and sends the call to the emergency destination, 1003. 1004 is a phone that dials *99 and
// keys the PIN as RFC 2833 DTMF.

const DID = '3225550160';
const PIN = '97531';

let app: TestApp;
let observer: CallObserver;
let greetingId: number;
let routeId: number;
let trunkId: number;
const secrets = new Map<string, string>();
const sound = () => `switchboard/greeting-${greetingId}`;

beforeAll(async () => {
  requireAsterisk();
  app = await startTestApp();
  observer = await CallObserver.start();
  await createExtensions(app, ['1002', '1003', '1004'], { secrets });
  trunkId = await createCallerTrunk(app);
  const greeting = { name: 'Emergency', default_language: 'en', tts_text: 'Emergency.' };
  greetingId = (await apiCreate(app, '/api/v1/greetings', greeting)).id;
  routeId = await createInboundRoute(app, 'Main line', DID, { type: 'extension', target: '1002' });
  const pin = await app.api('PUT', '/api/v1/emergency/pin', { body: { pin: PIN } });
  if (pin.status !== 204) throw new Error(`pin: ${pin.status} ${pin.text}`);
  await app.applyNow();
}, 120_000);

afterEach(() => endCalls(observer));

afterAll(
  () =>
    endCallSuite(app, observer, async (app) => {
      await app.api('PUT', '/api/v1/emergency', {
        body: { active: false, greeting_id: null, destination: null },
      });
      return [
        `/api/v1/inbound-routes/${routeId}`,
        `/api/v1/greetings/${greetingId}`,
        `/api/v1/trunks/${trunkId}`,
        ...extensionPaths(secrets.keys()),
      ];
    }),
  120_000,
);

async function answering(number: string): Promise<SippHandle> {
  const phone = await phoneFor(number, secrets.get(number)!);
  await succeeded(register(phone));
  return await answerCalls(phone, { timeoutMs: 60_000 });
}

function dials(ch: ObservedChannel): string[] {
  return ch.steps.filter((s) => s.app === 'Dial').map((s) => s.data.split(',')[0] ?? '');
}

// One call to the DID; resolves once the phone `number` answered it and both sides hung up.
async function callLandsAt(number: string, via: 'greeting' | 'route'): Promise<ObservedChannel> {
  observer.clear();
  const phone = await answering(number);
  const call = callFromTrunk({ did: DID, hangup: 'caller', holdMs: 2_000 });
  const ch = await observer.channel('the carrier call in Asterisk', (c) =>
    c.name.startsWith('PJSIP/trunk-test-carrier'),
  );
  await observer.ran(ch, 'Dial', `PJSIP/${number}`, 30_000);
  const result = await call;
  if (!result.ok) throw new Error(describeRun('trunk call', result));
  await succeeded(phone);
  expect(dials(ch)).toEqual([`PJSIP/${number}`]);
  // The trace, from the same state, sends the call to the same place, past the same greeting.
  expect(await tracedDial(app, { did: DID })).toBe(`PJSIP/${number}`);
  expect((await tracedSounds(app, { did: DID })).includes(sound())).toBe(via === 'greeting');
  return ch;
}

async function dialStarNineNine(keys: string): Promise<void> {
  const phone = await phoneFor('1004', secrets.get('1004')!);
  const run = await dialWithKeys(phone, '*99', keys);
  if (!run.ok) throw new Error(describeRun('*99 call', run));
}

const emergencyRouting = async () =>
  (await asteriskCli(`dialplan show sb-in-${routeId}`)).includes('Goto(sb-emergency,s,1)');

describe('emergency mode on a real call', () => {
  it('off: a call to the DID follows its normal route (1002)', async () => {
    const ch = await callLandsAt('1002', 'route');
    expect(ch.steps.some((s) => s.app === 'Playback' && s.data.includes(sound()))).toBe(false);
  }, 60_000);

  it('on (API): the caller hears the emergency greeting and reaches the emergency destination (1003)', async () => {
    const res = await app.api('PUT', '/api/v1/emergency', {
      body: { active: true, greeting_id: greetingId, destination: { type: 'extension', target: '1003' } },
    });
    expect(res.status).toBe(200);
    await app.applyNow();
    const ch = await callLandsAt('1003', 'greeting');
    const played = ch.steps.findIndex((s) => s.app === 'Playback' && s.data === sound());
    const dialled = ch.steps.findIndex((s) => s.app === 'Dial');
    expect(played).toBeGreaterThan(-1);
    expect(played).toBeLessThan(dialled);
    expect(ch.steps.map((s) => s.context)).toContain('sb-emergency');
  }, 60_000);

  it('off (API) again: normal routing is back', async () => {
    const res = await app.api('PUT', '/api/v1/emergency', { body: { active: false } });
    expect(res.status).toBe(200);
    await app.applyNow();
    await callLandsAt('1002', 'route');
  }, 60_000);

  it('*99 with the PIN from a phone switches it on, records the extension and time, and calls follow; *99 again switches it off', async () => {
    const started = Date.now();
    await dialStarNineNine(`${PIN}#`);
    const on = await waitFor('emergency mode on', async () => {
      const e = (await app.api('GET', '/api/v1/emergency')).body;
      return e.active && e;
    });
    expect(on).toMatchObject({ changed_by: 'extension 1004', changed_via: 'phone' });
    expect(on.log[0]).toMatchObject({ active: true, by: 'extension 1004', via: 'phone' });
    expect(new Date(on.log[0].at).getTime()).toBeGreaterThanOrEqual(started - 1_000);
    await waitFor('emergency routing in Asterisk', emergencyRouting);
    const ch = await callLandsAt('1003', 'greeting');
    expect(ch.steps.some((s) => s.app === 'Playback' && s.data === sound())).toBe(true);

    await dialStarNineNine(`${PIN}#`);
    const off = await waitFor('emergency mode off', async () => {
      const e = (await app.api('GET', '/api/v1/emergency')).body;
      return !e.active && e;
    });
    expect(off.log.slice(0, 2)).toEqual([
      expect.objectContaining({ active: false, by: 'extension 1004', via: 'phone' }),
      expect.objectContaining({ active: true, by: 'extension 1004', via: 'phone' }),
    ]);
    // Both switches are in the audit log, written in the switch's own transaction.
    const audit = await app.api('GET', '/api/v1/audit?object_type=emergency&action=PHONE&per_page=2');
    expect(audit.body.items).toEqual([
      expect.objectContaining({ actor: 'extension 1004', via: 'phone', after: { active: false } }),
      expect.objectContaining({ actor: 'extension 1004', via: 'phone', after: { active: true } }),
    ]);
    await waitFor('normal routing in Asterisk', async () => !(await emergencyRouting()));
    await callLandsAt('1002', 'route');
  }, 150_000);

  it('*99 with a wrong PIN changes nothing', async () => {
    const logBefore = (await app.api('GET', '/api/v1/emergency')).body.log.length;
    await dialStarNineNine('1111#2222#3333#');
    const after = (await app.api('GET', '/api/v1/emergency')).body;
    expect(after.active).toBe(false);
    expect(after.log).toHaveLength(logBefore);
  }, 90_000);
});
