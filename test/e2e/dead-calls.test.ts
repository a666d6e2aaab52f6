import type { JourneyApi } from '../../src/journeys/service';
import { killAllCarrierSipp } from '../carrier/sipp';
import { createExtensions } from '../support/agents';
import { startTestApp, type TestApp } from '../support/app';
import { ariObject, mainAri, waitFor } from '../support/asterisk';
import { requireAsterisk } from '../support/env';
import { recordFigure } from '../support/figures';
import {
  answerCalls,
  killAllSipp,
  phoneFor,
  placeCall,
  register,
  type SippHandle,
  succeeded,
} from '../support/sip';
import { callFromTrunk, createCallerTrunk } from '../support/trunk-caller';

// Dead calls end. A phone unplugged or crashed mid-call sends no BYE; without a media timeout
// Asterisk keeps its channel (and the trunk channel bridged to it) for ever: the wallboard shows
// it talking, it counts against the trunk's channel limit and its journey never closes. Here a
// desk phone and a carrier are each killed with SIGKILL in the middle of an answered call, with
// Switchboard's default settings (RTP_TIMEOUT_SECONDS=30): both calls must be gone within 60 s,
// for the reason that their media stopped, and their journeys built and closed.

jest.setTimeout(240_000);

const EXTS = ['1001', '1002', '1003'];
const DID = '3225550901';
const CARRIER_CALLER = '3225554242';
// The test peers send audio all along, as real phones do: the timeout fires only once one dies.
const LONG_CALL_MS = 150_000;

let app: TestApp;
const secrets = new Map<string, string>();
const live: SippHandle[] = [];

beforeAll(async () => {
  requireAsterisk();
  app = await startTestApp();
  for (const [ext, secret] of await createExtensions(app, EXTS)) secrets.set(ext, secret);
  await createCallerTrunk(app);
  const route = await app.api('POST', '/api/v1/inbound-routes', {
    body: { name: 'main line', did: DID, destination: { type: 'extension', target: '1003' } },
  });
  if (route.status !== 201) throw new Error(`inbound route: ${route.status} ${route.text}`);
  await app.applied();
}, 120_000);

afterAll(async () => {
  killAllSipp();
  killAllCarrierSipp();
  await app?.close();
});

interface Channel {
  id: string;
  name: string;
  state: string;
}

async function upChannels(): Promise<Channel[]> {
  return (await mainAri<Channel[]>('GET', '/channels')).filter((c) => c.state === 'Up');
}

async function answeringPhone(ext: string): Promise<SippHandle> {
  const phone = await phoneFor(ext, secrets.get(ext)!);
  await succeeded(register(phone));
  const handle = await answerCalls(phone, { timeoutMs: LONG_CALL_MS + 60_000 });
  live.push(handle);
  return handle;
}

async function journeyOf(match: (j: JourneyApi) => boolean, since: string): Promise<JourneyApi> {
  return waitFor(
    'the journey to be built',
    async () => {
      await app.sb.analytics.ingest();
      const res = await app.api('GET', `/api/v1/calls?limit=50&from=${since}`);
      return (res.body.items as JourneyApi[]).find(match) ?? null;
    },
    30_000,
  );
}

it('every endpoint and trunk carries the media timeouts and session timers Asterisk enforces', async () => {
  const endpoint = await ariObject('endpoint', '1001');
  expect(endpoint).toMatchObject({
    rtp_timeout: '30',
    rtp_timeout_hold: '300',
    timers: 'yes',
    timers_sess_expires: '1800',
  });
  const trunk = await ariObject('endpoint', 'trunk-test-carrier');
  expect(trunk).toMatchObject({ rtp_timeout: '30', rtp_timeout_hold: '300', timers_sess_expires: '1800' });
});

it('a desk phone and a carrier killed mid-call (no BYE): both calls end within 60 s and their journeys close', async () => {
  const since = new Date(Date.now() - 1000).toISOString();
  // An internal call 1001 → 1002, and a carrier's call answered by 1003.
  const desk = await answeringPhone('1002');
  await answeringPhone('1003');
  const caller = await phoneFor('1001', secrets.get('1001')!);
  await succeeded(register(caller));
  const internal = placeCall(caller, '1002', { talkMs: LONG_CALL_MS });
  live.push(internal);
  const inbound = callFromTrunk({
    did: DID,
    callerId: CARRIER_CALLER,
    hangup: 'caller',
    holdMs: LONG_CALL_MS,
  });
  // Four channels up: two per call.
  await waitFor('both calls to be answered', async () => (await upChannels()).length === 4, 30_000);
  // Both stay up past the media timeout while every peer is alive: the timeout ends calls whose
  // media stopped, not long ones. (An observation window, not a sleep: any drop fails at once.)
  const watchUntil = Date.now() + 35_000;
  while (Date.now() < watchUntil) {
    expect((await upChannels()).length).toBe(4);
    await new Promise((r) => setTimeout(r, 1_000));
  }
  const killedAt = Date.now();
  desk.kill(); // SIGKILL: no BYE, no more RTP
  killAllCarrierSipp();
  await inbound;
  await waitFor(
    'Asterisk to end both calls',
    async () => (await mainAri<Channel[]>('GET', '/channels')).length === 0,
    60_000,
  );
  const endedAfter = (Date.now() - killedAt) / 1000;
  // Not sooner than the timeout (the calls ended because their media stopped), within 60 s.
  expect(endedAfter).toBeGreaterThanOrEqual(25);
  expect(endedAfter).toBeLessThan(60);
  recordFigure('dead call (phone and carrier killed) ended after', endedAfter, 's');
  await internal.exited;

  const deskCall = await journeyOf((j) => j.caller_number === '1001' && j.called_number === '1002', since);
  expect(deskCall).toMatchObject({ direction: 'internal', outcome: 'answered', answered_by: '1002' });
  const carrierCall = await journeyOf((j) => j.caller_number === CARRIER_CALLER, since);
  expect(carrierCall).toMatchObject({
    direction: 'inbound',
    did: DID,
    outcome: 'answered',
    answered_by: '1003',
  });
  for (const j of [deskCall, carrierCall]) {
    // Closed when the timeout ended the call, not by the 4-hour fallback.
    const ended = new Date(j.ended_at).getTime();
    expect(ended).toBeGreaterThanOrEqual(killedAt + 20_000);
    expect(ended).toBeLessThanOrEqual(killedAt + 60_000);
    expect(j.talk_seconds).toBeGreaterThanOrEqual(20);
  }
});
