import { localTime } from '../../src/time-conditions/schedule';
import { describeRun } from '../carrier/sipp';
import {
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
import { answerCalls, type Phone, phoneFor, register, type SippHandle, succeeded } from '../support/sip';
import { tracedDial } from '../support/trace';
import { callFromTrunk, createCallerTrunk } from '../support/trunk-caller';

// Time conditions with real parts: a carrier (sipp from 127.0.0.9 over an IP trunk) calls a DID
// whose inbound route leads to the time condition; registered sipp phones answer at the open
// (1002) and closed (1003) destinations, and Asterisk's own record of the call (CallObserver)
// shows which one it dialled. 1004 is a phone that dials the override feature code *28<id> and
// keys its PIN as RFC 2833 DTMF.

const TZ = 'Europe/Brussels';
const DID = '3225550150';
const PIN = '2468';
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

let app: TestApp;
let observer: CallObserver;
let tcId: number;
let routeId: number;
let trunkId: number;
const secrets = new Map<string, string>();

// Today and tomorrow on the condition's wall clock.
function today() {
  const now = localTime(new Date(), TZ);
  const s = String(now.date);
  const date = `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
  const tomorrow = DAYS[(DAYS.indexOf(now.day) + 1) % 7]!;
  return { date, day: now.day, tomorrow };
}

function body(over: Record<string, unknown>) {
  return {
    name: 'Office hours',
    timezone: TZ,
    weekly: [],
    holidays: [],
    open_destination: { type: 'extension', target: '1002' },
    closed_destination: { type: 'extension', target: '1003' },
    ...over,
  };
}

async function configure(over: Record<string, unknown>): Promise<void> {
  const res = await app.api('PUT', `/api/v1/time-conditions/${tcId}`, { body: body(over) });
  if (res.status !== 200) throw new Error(`PUT time condition: ${res.status} ${res.text}`);
  await app.applied();
}

beforeAll(async () => {
  requireAsterisk();
  app = await startTestApp();
  observer = await CallObserver.start();
  await createExtensions(app, ['1002', '1003', '1004'], { secrets });
  trunkId = await createCallerTrunk(app);
  const tc = await app.api('POST', '/api/v1/time-conditions', { body: { ...body({}), pin: PIN } });
  if (tc.status !== 201) throw new Error(`time condition: ${tc.status} ${tc.text}`);
  tcId = tc.body.id;
  routeId = await createInboundRoute(app, 'Main line', DID, { type: 'time-condition', target: String(tcId) });
  await app.applyNow();
}, 120_000);

afterEach(() => endCalls(observer));

afterAll(
  () =>
    endCallSuite(app, observer, () => [
      `/api/v1/inbound-routes/${routeId}`,
      `/api/v1/time-conditions/${tcId}`,
      `/api/v1/trunks/${trunkId}`,
      ...extensionPaths(secrets.keys()),
    ]),
  120_000,
);

async function answering(number: string): Promise<SippHandle> {
  const phone: Phone = await phoneFor(number, secrets.get(number)!);
  await succeeded(register(phone));
  return await answerCalls(phone, { timeoutMs: 60_000 });
}

function carrierChannel(): Promise<ObservedChannel> {
  return observer.channel('the carrier call in Asterisk', (c) =>
    c.name.startsWith('PJSIP/trunk-test-carrier'),
  );
}

function dials(ch: ObservedChannel): string[] {
  return ch.steps.filter((s) => s.app === 'Dial').map((s) => s.data.split(',')[0] ?? '');
}

// One inbound call; resolves with the extension Asterisk dialled once that phone answered.
async function callLandsAt(number: '1002' | '1003'): Promise<ObservedChannel> {
  observer.clear();
  const phone = await answering(number);
  const call = callFromTrunk({ did: DID, hangup: 'caller', holdMs: 2_000 });
  const ch = await carrierChannel();
  await observer.ran(ch, 'Dial', `PJSIP/${number}`, 30_000);
  await succeeded(phone);
  const result = await call;
  if (!result.ok) throw new Error(describeRun('trunk call', result));
  expect(dials(ch)).toEqual([`PJSIP/${number}`]);
  // The trace, working from the same state, sends the same call to the same place.
  expect(await tracedDial(app, { did: DID })).toBe(`PJSIP/${number}`);
  return ch;
}

async function dialOverride(keys: string) {
  const phone = await phoneFor('1004', secrets.get('1004')!);
  const run = await dialWithKeys(phone, `*28${tcId}`, keys);
  if (!run.ok) throw new Error(describeRun('feature code call', run));
  return run;
}

describe('a real call through an inbound route to a time condition', () => {
  it('a weekly schedule that excludes now sends the call to the closed destination (1003)', async () => {
    const { tomorrow } = today();
    await configure({ weekly: [{ day: tomorrow, start: '00:00', end: '24:00' }] });
    expect((await app.api('GET', `/api/v1/time-conditions/${tcId}`)).body.status.open).toBe(false);
    const ch = await callLandsAt('1003');
    expect(ch.steps.map((s) => s.context)).toContain(`sb-tc-${tcId}`);
    expect(ch.steps.some((s) => s.app === 'GotoIfTime' && s.data.includes(`${tomorrow},*,*,${TZ}`))).toBe(
      true,
    );
  }, 90_000);

  it('a schedule that includes now sends it to the open destination (1002)', async () => {
    const { day } = today();
    await configure({ weekly: [{ day, start: '00:00', end: '24:00' }] });
    expect((await app.api('GET', `/api/v1/time-conditions/${tcId}`)).body.status.open).toBe(true);
    await callLandsAt('1002');
  }, 90_000);

  it('the same schedule with a holiday today sends it to the closed destination (1003)', async () => {
    const { day, date } = today();
    await configure({
      weekly: [{ day, start: '00:00', end: '24:00' }],
      holidays: [{ name: 'Today off', start: date }],
    });
    const status = (await app.api('GET', `/api/v1/time-conditions/${tcId}`)).body.status;
    expect(status).toEqual({ open: false, reason: expect.stringContaining('holiday "Today off"') });
    const ch = await callLandsAt('1003');
    expect(ch.steps.some((s) => s.app === 'GotoIf' && s.data.includes('?closed'))).toBe(true);
  }, 90_000);

  it('a yearly holiday (entered for another year) today does the same', async () => {
    const { day, date } = today();
    await configure({
      weekly: [{ day, start: '00:00', end: '24:00' }],
      holidays: [{ name: 'Every year', start: `2020${date.slice(4)}`, yearly: true }],
    });
    await callLandsAt('1003');
  }, 90_000);

  it('a wrong PIN on the override feature code changes nothing: three tries, then Asterisk hangs up', async () => {
    const { day } = today();
    await configure({ weekly: [{ day, start: '00:00', end: '24:00' }] });
    const before = (await app.api('GET', `/api/v1/time-conditions/${tcId}`)).body;
    expect(before.override).toBe('auto');
    const run = await dialOverride('1111#2222#3333#');
    expect(run.requests).toContain('BYE');
    const feature = await observer.channel('the feature-code call', (c) => c.name.startsWith('PJSIP/1004-'));
    expect(feature.steps.find((s) => s.app === 'Stasis')?.data).toContain(`feature,tc-override,1004,${tcId}`);
    const after = (await app.api('GET', `/api/v1/time-conditions/${tcId}`)).body;
    expect(after).toMatchObject({ override: 'auto', override_at: before.override_at, override_via: null });
    await callLandsAt('1002');
  }, 120_000);

  it('the override feature code with the PIN flips it (forced closed now), and the next call follows the override', async () => {
    await configure({ weekly: [{ day: today().day, start: '00:00', end: '24:00' }] });
    const run = await dialOverride(`${PIN}#`);
    expect(run.requests).toContain('BYE');
    const flipped = await waitFor('the override to be recorded', async () => {
      const tc = (await app.api('GET', `/api/v1/time-conditions/${tcId}`)).body;
      return tc.override !== 'auto' && tc;
    });
    expect(flipped).toMatchObject({
      override: 'closed',
      override_by: 'extension 1004',
      override_via: 'phone',
      status: { open: false, reason: 'forced closed by the manual override' },
    });
    // The change re-applies by itself; wait until Asterisk runs the forced dialplan.
    await waitFor('the forced dialplan in Asterisk', async () =>
      (await asteriskCli(`dialplan show s@sb-tc-${tcId}`)).includes('Goto(closed)'),
    );
    await callLandsAt('1003');

    // Dialled again: back to automatic, and the schedule (open now) decides again.
    await dialOverride(`${PIN}#`);
    await waitFor(
      'the override back to automatic',
      async () => (await app.api('GET', `/api/v1/time-conditions/${tcId}`)).body.override === 'auto',
    );
    await waitFor(
      'the automatic dialplan in Asterisk',
      async () => !(await asteriskCli(`dialplan show s@sb-tc-${tcId}`)).includes('Goto(closed)'),
    );
    await callLandsAt('1002');
  }, 150_000);
});
