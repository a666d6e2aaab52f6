import { join } from 'node:path';
import type { JourneyApi } from '../../src/journeys/service';
import { describeRun, killAllCarrierSipp } from '../carrier/sipp';
import { createExtensions, hangUpAll, startAgentPhone, waitForAgent } from '../support/agents';
import { startTestApp, type TestApp } from '../support/app';
import { mainAri, waitFor } from '../support/asterisk';
import { openBrowser, SHOTS } from '../support/browser';
import { requireAsterisk } from '../support/env';
import { HOSTILE } from '../support/hostile';
import { farEnd, listening, phoneReady, registeredPhone, ringingPhone } from '../support/ring-phone';
import { answerCalls, killAllSipp, phoneFor, placeCall, register, succeeded } from '../support/sip';
import { callFromTrunk, createCallerTrunk } from '../support/trunk-caller';
import { leaveMessage, spokenUlaw } from '../support/voicemail-caller';

// Call journeys from real calls: eight calls placed on a real Asterisk (internal, voicemail, an
// inbound call through an IVR, a queue call abandoned, an outbound call through a trunk, a queue
// call answered by an agent and recorded, a call nobody answers, a call to a phone that is not
// there), then Asterisk's own CDR/CEL/queue_log files ingested and built
// into journeys, read back through the call log API exactly as an operator would.

jest.setTimeout(300_000);

const EXTS = ['1001', '1002', '1003', '2001', '2009'];
const DID_IVR = '3225550301';
const DID_QUEUE = '3225550302';
const DID_EMPTY_QUEUE = '3225550303';
const FAR_END_IP = '127.0.25.7';
const MOBILE = '0470555123';
const CALLER_IVR = '3225551111';
const CALLER_ABANDON = '3225552222';
const CALLER_QUEUE = '3225553333';
const RING_PHONE_IP = '127.0.25.21';
const DID_CALLBACK = '3225550304';
// A number the outbound route can reach, so the callback offer accepts it.
const CALLER_CALLBACK = '0470555444';
const CALLS = 9;
const CALLER_SILENT = '3225555555';

let app: TestApp;
const secrets = new Map<string, string>();
let ivrId = 0;
let since = '';

type JourneyRow = JourneyApi;

interface JourneyDetail extends JourneyRow {
  steps: Array<{ at: string; kind: string; detail: string }>;
  parties: Array<{ extension: string; role: string }>;
  recordings: Array<{ id: number; started_at: string; duration_seconds: number | null; audio_url: string }>;
}

async function post(path: string, body: unknown): Promise<{ id: number }> {
  const res = await app.api('POST', path, { body });
  if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${res.text}`);
  return res.body;
}

async function noChannels(): Promise<void> {
  await waitFor(
    'no channel left',
    async () => (await mainAri<unknown[]>('GET', '/channels')).length === 0,
    20_000,
  );
}

// (a) 1001 calls 1002, which answers; they talk 4 s and 1001 hangs up.
async function internalAnswered(): Promise<void> {
  const callee = await phoneFor('1002', secrets.get('1002')!);
  const caller = await phoneFor('1001', secrets.get('1001')!);
  await succeeded(register(callee));
  const answering = await answerCalls(callee, { timeoutMs: 40_000 });
  await succeeded(register(caller));
  await succeeded(placeCall(caller, '1002', { talkMs: 4_000 }));
  await succeeded(answering);
  await succeeded(register(callee, { expires: 0 }));
  await succeeded(register(caller, { expires: 0 }));
}

// (b) 1002 calls 1003 (no phone registered): voicemail takes a message of a few seconds (a
// shorter one risks voicemail's minimum length, and VMSTATUS FAILED).
async function voicemailLeft(): Promise<void> {
  const speech = spokenUlaw(
    'Hello Carol, this is Bob. Please call me back about the quarterly report. Thank you.',
  );
  const run = await leaveMessage({
    from: { number: '1002', secret: secrets.get('1002')! },
    to: '1003',
    speech: speech.ulaw,
  });
  if (run.code !== 0) throw new Error(describeRun('voicemail caller', run));
}

// (c) a carrier call to the IVR DID; the caller presses 1 and reaches 1002, which answers.
async function inboundThroughIvr(): Promise<void> {
  const callee = await phoneFor('1002', secrets.get('1002')!);
  await succeeded(register(callee));
  const answering = await answerCalls(callee, { timeoutMs: 60_000 });
  const call = await callFromTrunk({
    did: DID_IVR,
    callerId: CALLER_IVR,
    digits: '1',
    hangup: 'caller',
    holdMs: 5_000,
  });
  if (!call.ok) throw new Error(describeRun('IVR caller', call));
  await succeeded(answering);
  await succeeded(register(callee, { expires: 0 }));
}

// (d) a carrier call waits in queue 802 (its only member has no phone) and hangs up after 4 s.
async function queueAbandoned(): Promise<void> {
  const call = await callFromTrunk({
    did: DID_EMPTY_QUEUE,
    callerId: CALLER_ABANDON,
    hangup: 'caller',
    holdMs: 4_000,
  });
  if (!call.ok) throw new Error(describeRun('abandoning caller', call));
}

// (e) 1001 calls a mobile number: the outbound route sends it to the far-end trunk, which answers.
async function outboundAnswered(): Promise<void> {
  const far = farEnd({ ip: FAR_END_IP, mediaPort: 25_740, answerAfterMs: 1_000, timeoutMs: 40_000 });
  await listening(FAR_END_IP, 5060);
  const caller = await phoneFor('1001', secrets.get('1001')!);
  await succeeded(register(caller));
  await succeeded(placeCall(caller, MOBILE, { talkMs: 3_000 }));
  const run = await far;
  if (run.code !== 0) throw new Error(describeRun('far end', run));
  await succeeded(register(caller, { expires: 0 }));
}

// (f) a carrier call to queue 801, answered by agent 2001; the caller hangs up after 5 s.
async function queueAnswered(): Promise<void> {
  const call = callFromTrunk({ did: DID_QUEUE, callerId: CALLER_QUEUE, hangup: 'caller', holdMs: 5_000 });
  await waitForAgent(CALLER_QUEUE, 20_000);
  const result = await call;
  if (!result.ok) throw new Error(describeRun('queue caller', result));
}

// (g) 1003 calls 1002, whose phone rings for the 6 s ring time and never answers (no voicemail).
async function unansweredCall(): Promise<void> {
  const desk = await registeredPhone('1002', secrets.get('1002')!, RING_PHONE_IP);
  const ringing = ringingPhone(desk, { timeoutMs: 40_000 });
  await phoneReady(desk);
  const caller = await phoneFor('1003', secrets.get('1003')!);
  await succeeded(register(caller));
  // The call is refused after the ring time: sipp's scenario (which expects an answer) fails.
  await placeCall(caller, '1002', { talkMs: 1_000, timeoutMs: 30_000 }).exited;
  const run = await ringing;
  if (!run.requests.includes('CANCEL')) throw new Error(describeRun('ringing 1002', run));
  await succeeded(register(caller, { expires: 0 }));
}

// (i) a carrier call to the IVR where the caller presses nothing: two timeouts, then the menu's
// final destination hangs up.
async function ivrNoKey(): Promise<void> {
  // (sipp's "wait for the BYE" ending trips over an unused variable: the caller is told to hang
  // up late, and Asterisk's BYE comes first.)
  const call = await callFromTrunk({
    did: DID_IVR,
    callerId: CALLER_SILENT,
    hangup: 'caller',
    holdMs: 30_000,
  });
  if (!call.requests.includes('BYE')) throw new Error(describeRun('silent IVR caller', call));
}

// (h) 1003 calls 2009, which has no phone and no voicemail.
async function unreachableCall(): Promise<void> {
  const caller = await phoneFor('1003', secrets.get('1003')!);
  await succeeded(register(caller));
  await placeCall(caller, '2009', { talkMs: 1_000, timeoutMs: 20_000 }).exited;
  await succeeded(register(caller, { expires: 0 }));
}

beforeAll(async () => {
  requireAsterisk();
  app = await startTestApp({ RING_SECONDS: '6' });
  for (const [ext, secret] of await createExtensions(app, EXTS)) secrets.set(ext, secret);
  const vm = await app.api('PUT', '/api/v1/extensions/1003', {
    body: { display_name: 'Carol', voicemail_enabled: true },
  });
  if (vm.status !== 200) throw new Error(`voicemail 1003: ${vm.status} ${vm.text}`);
  await createCallerTrunk(app);
  const far = await post('/api/v1/trunks', {
    name: 'far-carrier',
    kind: 'ip',
    host: FAR_END_IP,
    peer_addresses: [FAR_END_IP],
    qualify: false,
  });
  await post('/api/v1/outbound-routes', {
    name: 'Mobiles',
    patterns: ['_04XXXXXXXX'],
    class: 'national',
    trunk_ids: [far.id],
  });
  ivrId = (
    await post('/api/v1/ivrs', {
      name: 'Front desk',
      prompt_greeting_id: null,
      options: [{ digit: '1', destination: { type: 'extension', target: '1002' } }],
      timeout_seconds: 5,
      max_retries: 1,
      invalid_destination: { type: 'hangup', target: '' },
    })
  ).id;
  const queue = (number: string, member: string) => ({
    number,
    name: `Queue ${number}`,
    strategy: 'ringall',
    members: [{ extension: member }],
    ring_seconds: 10,
    retry_seconds: 1,
    join_when_empty: true,
    failover_destination: { type: 'hangup' },
  });
  await post('/api/v1/queues', queue('801', '2001'));
  await post('/api/v1/queues', queue('802', '2009'));
  await post('/api/v1/queues', {
    ...queue('803', '2009'),
    callback: { enabled: true, key: '5', max_attempts: 1, retry_seconds: 60 },
  });
  await post('/api/v1/recording-policies', { target_type: 'queue', target_ref: '801', mode: 'always' });
  for (const [did, destination] of [
    [DID_IVR, { type: 'ivr', target: String(ivrId) }],
    [DID_QUEUE, { type: 'queue', target: '801' }],
    [DID_EMPTY_QUEUE, { type: 'queue', target: '802' }],
    [DID_CALLBACK, { type: 'queue', target: '803' }],
  ] as const) {
    await post('/api/v1/inbound-routes', { name: `route ${did}`, did, destination });
  }
  await app.applied();

  await startAgentPhone('2001', secrets.get('2001')!);
  await waitFor('agent 2001 to be reachable', async () => {
    const endpoints = await mainAri<Array<{ resource: string; state: string }>>('GET', '/endpoints/PJSIP');
    return endpoints.find((e) => e.resource === '2001')?.state === 'online';
  });

  // The sandbox's files may hold calls of earlier runs: this run's calls are the ones since now.
  since = new Date(Date.now() - 1000).toISOString();
  for (const call of [
    internalAnswered,
    voicemailLeft,
    inboundThroughIvr,
    queueAbandoned,
    outboundAnswered,
    queueAnswered,
    unansweredCall,
    unreachableCall,
    ivrNoKey,
  ]) {
    await call();
    await noChannels();
  }
  await waitFor(
    'the eight journeys to be built',
    async () => {
      await app.sb.analytics.ingest();
      const res = await app.api('GET', `/api/v1/calls?limit=50&from=${since}`);
      return res.status === 200 && (res.body.items as unknown[]).length >= CALLS;
    },
    60_000,
  );
}, 300_000);

afterAll(async () => {
  killAllCarrierSipp();
  killAllSipp();
  await hangUpAll().catch(() => undefined);
  if (!app) return;
  try {
    for (const r of (await app.api('GET', '/api/v1/inbound-routes')).body.items ?? [])
      await app.api('DELETE', `/api/v1/inbound-routes/${r.id}`);
    for (const q of ['801', '802', '803']) await app.api('DELETE', `/api/v1/queues/${q}`);
    if (ivrId) await app.api('DELETE', `/api/v1/ivrs/${ivrId}`);
    for (const r of (await app.api('GET', '/api/v1/outbound-routes')).body.items ?? [])
      await app.api('DELETE', `/api/v1/outbound-routes/${r.id}`);
    for (const t of (await app.api('GET', '/api/v1/trunks')).body.items ?? [])
      await app.api('DELETE', `/api/v1/trunks/${t.id}`);
    for (const ext of EXTS) await app.api('DELETE', `/api/v1/extensions/${ext}`);
    await app.applyNow();
  } finally {
    await app.close();
  }
}, 120_000);

async function list(query = '', token?: string): Promise<JourneyRow[]> {
  const res = await app.api('GET', `/api/v1/calls${query}`, token === undefined ? {} : { token });
  if (res.status !== 200) throw new Error(`GET /api/v1/calls${query}: ${res.status} ${res.text}`);
  return res.body.items as JourneyRow[];
}

async function detail(id: number): Promise<JourneyDetail> {
  const res = await app.api('GET', `/api/v1/calls/${id}`);
  if (res.status !== 200) throw new Error(`GET /api/v1/calls/${id}: ${res.status} ${res.text}`);
  return res.body as JourneyDetail;
}

async function journeyWhere(what: string, match: (j: JourneyRow) => boolean): Promise<JourneyDetail> {
  const all = await list(`?limit=100&from=${since}`);
  const found = all.filter(match);
  if (found.length !== 1)
    throw new Error(`${what}: ${found.length} journeys match\n${JSON.stringify(all, null, 1)}`);
  return detail(found[0]!.id);
}

const roles = (j: JourneyDetail) => j.parties.map((p) => `${p.extension}:${p.role}`).sort();
const kinds = (j: JourneyDetail) => j.steps.map((s) => s.kind);

describe('journeys built from real calls', () => {
  it('an internal call 1001→1002 answered: internal, answered by 1002, about 4 s of talk, both parties', async () => {
    const j = await journeyWhere(
      'internal call',
      (x) => x.caller_number === '1001' && x.called_number === '1002',
    );
    expect(j).toMatchObject({
      direction: 'internal',
      outcome: 'answered',
      answered_by: '1002',
      did: null,
      trunk: null,
    });
    expect(j.queue_number).toBeNull();
    // Bounds leave room for a loaded CI machine (4 lanes on 2 cores): the phone answers at once
    // and talks 4 s.
    expect(j.talk_seconds).toBeGreaterThanOrEqual(2);
    expect(j.talk_seconds).toBeLessThan(10);
    expect(j.wait_seconds).toBeLessThan(5);
    expect(j.duration_seconds).toBeGreaterThanOrEqual(j.talk_seconds);
    expect(roles(j)).toEqual(['1001:caller', '1002:answered', '1002:rung']);
    expect(kinds(j)).toEqual(['start', 'ring', 'answer', 'hangup']);
    expect(new Date(j.answered_at!).getTime()).toBeGreaterThan(new Date(j.started_at).getTime());
  });

  it('a call to 1003 nobody answers ends in voicemail with a message: outcome voicemail, box 1003', async () => {
    const j = await journeyWhere('voicemail call', (x) => x.called_number === '1003');
    expect(j).toMatchObject({
      direction: 'internal',
      caller_number: '1002',
      outcome: 'voicemail',
      voicemail_box: '1003',
      answered_by: null,
      answered_at: null,
      talk_seconds: 0,
    });
    expect(roles(j)).toEqual(['1002:caller', '1003:voicemail']);
    const vm = j.steps.find((s) => s.kind === 'voicemail');
    expect(vm?.detail).toBe('Voicemail 1003: message left');
  });

  it('an inbound call through the IVR where the caller pressed 1: DID, trunk, ivr_path and answered by 1002', async () => {
    const j = await journeyWhere('IVR call', (x) => x.caller_number === CALLER_IVR);
    expect(j).toMatchObject({
      direction: 'inbound',
      called_number: DID_IVR,
      did: DID_IVR,
      trunk: 'test-carrier',
      ivr_path: `${ivrId}:1`,
      outcome: 'answered',
      answered_by: '1002',
    });
    expect(roles(j)).toEqual(['1002:answered', '1002:rung']);
    expect(kinds(j)).toEqual(['start', 'inbound_route', 'ivr_key', 'ring', 'answer', 'hangup']);
    expect(j.steps.find((s) => s.kind === 'ivr_key')?.detail).toBe(`IVR ${ivrId}: caller pressed key 1`);
    expect(j.talk_seconds).toBeGreaterThanOrEqual(3);
  });

  it('a queue call the caller hangs up on while waiting: abandoned in queue 802 at position 1 after about 4 s', async () => {
    const j = await journeyWhere('abandoned call', (x) => x.caller_number === CALLER_ABANDON);
    expect(j).toMatchObject({
      direction: 'inbound',
      did: DID_EMPTY_QUEUE,
      queue_number: '802',
      queue_position: 1,
      outcome: 'abandoned',
      answered_by: null,
      talk_seconds: 0,
    });
    expect(j.queue_wait_seconds).toBeGreaterThanOrEqual(3);
    expect(j.queue_wait_seconds).toBeLessThanOrEqual(7);
    expect(j.wait_seconds).toBeGreaterThanOrEqual(3);
    expect(kinds(j)).toEqual(['start', 'inbound_route', 'queue_enter', 'queue_abandon', 'hangup']);
  });

  it('an outbound call from 1001 through the far-end trunk: outbound, answered by the number dialled', async () => {
    const j = await journeyWhere('outbound call', (x) => x.called_number === MOBILE);
    expect(j).toMatchObject({
      direction: 'outbound',
      caller_number: '1001',
      trunk: 'far-carrier',
      outcome: 'answered',
      answered_by: MOBILE,
      did: null,
    });
    // The far end answers after 1 s; 1001 talks 3 s.
    expect(j.wait_seconds).toBeGreaterThanOrEqual(0.8);
    expect(j.talk_seconds).toBeGreaterThanOrEqual(2);
    expect(roles(j)).toEqual(['1001:caller']);
    expect(kinds(j)).toEqual(['start', 'outbound_route', 'ring', 'answer', 'hangup']);
  });

  it('a queue call answered by agent 2001: queue 801, position 1, agent rung and answered, about 5 s talk', async () => {
    const j = await journeyWhere('queue call', (x) => x.caller_number === CALLER_QUEUE);
    expect(j).toMatchObject({
      direction: 'inbound',
      did: DID_QUEUE,
      queue_number: '801',
      queue_position: 1,
      outcome: 'answered',
      answered_by: '2001',
    });
    // The agent's phone answers at once; the rest is the queue ringing it on a loaded machine.
    expect(j.queue_wait_seconds).toBeLessThanOrEqual(5);
    expect(j.talk_seconds).toBeGreaterThanOrEqual(3);
    expect(roles(j)).toEqual(['2001:agent_answered', '2001:agent_rung']);
    // The queue's recording policy starts the recording just before the caller enters the queue.
    expect(kinds(j)).toEqual([
      'start',
      'inbound_route',
      'recording',
      'queue_enter',
      'queue_connect',
      'answer',
      'hangup',
    ]);
    expect(j.steps.find((s) => s.kind === 'recording')?.detail).toBe(
      'Recording started (policy for queue 801)',
    );
  });

  it('a call 1003→1002 that rang 6 s and nobody answered: missed, 1002 rung, no talk', async () => {
    const j = await journeyWhere(
      'missed call',
      (x) => x.caller_number === '1003' && x.called_number === '1002',
    );
    expect(j).toMatchObject({ direction: 'internal', outcome: 'missed', answered_by: null, talk_seconds: 0 });
    expect(j.wait_seconds).toBeGreaterThanOrEqual(5);
    expect(roles(j)).toEqual(['1002:rung', '1003:caller']);
    expect(kinds(j)).toEqual(['start', 'ring', 'hangup']);
  });

  it('a call to 2009, which has no phone and no voicemail: failed, nobody rung', async () => {
    const j = await journeyWhere('failed call', (x) => x.called_number === '2009');
    expect(j).toMatchObject({
      direction: 'internal',
      caller_number: '1003',
      outcome: 'failed',
      answered_by: null,
    });
    expect(roles(j)).toEqual(['1003:caller']);
  });

  it('an IVR caller who presses nothing: each timeout is in the IVR path, then missed (nobody rang)', async () => {
    const j = await journeyWhere('silent IVR call', (x) => x.caller_number === CALLER_SILENT);
    expect(j).toMatchObject({
      direction: 'inbound',
      did: DID_IVR,
      ivr_path: `${ivrId}:t>${ivrId}:t`,
      outcome: 'missed',
      answered_by: null,
    });
    expect(j.parties).toEqual([]);
    expect(kinds(j)).toEqual(['start', 'inbound_route', 'ivr_key', 'ivr_key', 'hangup']);
    expect(j.steps[2]!.detail).toBe(`IVR ${ivrId}: caller pressed no key (timeout)`);
  });

  it('the recorded queue call lists its recording, whose audio plays from the URL given', async () => {
    const id = (await list(`?from=${since}&queue=801`))[0]!.id;
    const recordings = await waitFor(
      'the recording of the queue call to be linked',
      async () => {
        await app.sb.analytics.ingest();
        const r = (await detail(id)).recordings;
        return r.length > 0 ? r : null;
      },
      30_000,
    );
    expect(recordings).toHaveLength(1);
    expect(recordings[0]!.audio_url).toBe(`/api/v1/recordings/${recordings[0]!.id}/audio`);
    expect(recordings[0]!.duration_seconds).toBeGreaterThan(2);
    const audio = await fetch(`${app.url}${recordings[0]!.audio_url}`, {
      headers: { authorization: `Bearer ${app.tokens.admin}` },
    });
    expect(audio.status).toBe(200);
    expect(audio.headers.get('content-type')).toMatch(/^audio\/wav/);
    expect((await audio.arrayBuffer()).byteLength).toBeGreaterThan(16_000);
  });

  it('building again writes nothing: one journey per call', async () => {
    expect((await app.sb.analytics.ingest()).journeys).toBe(0);
    expect(await list(`?limit=100&from=${since}`)).toHaveLength(CALLS);
  });
});

describe('call log API', () => {
  const callers = async (query: string, token?: string) =>
    (await list(`?limit=100&from=${since}${query}`, token)).map((j) => j.caller_number).sort();

  it('filters by direction, outcome, queue, DID, number and extension', async () => {
    expect(await callers('&direction=outbound')).toEqual(['1001']);
    expect(await callers('&direction=internal')).toEqual(['1001', '1002', '1003', '1003']);
    expect(await callers('&outcome=voicemail')).toEqual(['1002']);
    expect(await callers('&outcome=abandoned')).toEqual([CALLER_ABANDON]);
    expect(await callers('&queue=801')).toEqual([CALLER_QUEUE]);
    expect(await callers(`&did=${DID_IVR}`)).toEqual([CALLER_IVR, CALLER_SILENT].sort());
    expect(await callers('&number=3225552222')).toEqual([CALLER_ABANDON]);
    expect(await callers(`&number=${MOBILE}`)).toEqual(['1001']);
    expect(await callers('&extension=1002')).toEqual(['1001', '1002', '1003', CALLER_IVR]);
    expect(await callers('&extension=2001')).toEqual([CALLER_QUEUE]);
    expect(await callers('&direction=inbound&outcome=answered')).toEqual([CALLER_IVR, CALLER_QUEUE].sort());
  });

  it('documents the three operations in the OpenAPI document', async () => {
    const doc = (await app.api('GET', '/api/v1/openapi.json')).body as {
      paths: Record<string, { get?: unknown }>;
    };
    for (const path of ['/api/v1/calls/', '/api/v1/calls/export.csv', '/api/v1/calls/{id}'])
      expect({ path, get: Boolean(doc.paths[path]?.get) }).toEqual({ path, get: true });
  });

  it('lists newest first, in pages, with the total; from/to bound the start time', async () => {
    const all = await list(`?limit=100&from=${since}`);
    const starts = all.map((j) => Date.parse(j.started_at));
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
    const res = await app.api('GET', `/api/v1/calls?from=${since}&limit=4&page=2`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ page: 2, limit: 4, total: CALLS });
    expect((res.body.items as JourneyRow[]).map((j) => j.id)).toEqual(all.slice(4, 8).map((j) => j.id));
    const third = all[all.length - 3]!;
    const upTo = await list(`?from=${since}&to=${encodeURIComponent(third.started_at)}`);
    expect(upTo.map((j) => j.id)).toEqual(all.slice(-2).map((j) => j.id));
  });

  it('exports the same rows as CSV with a header row', async () => {
    const res = await app.api('GET', `/api/v1/calls/export.csv?from=${since}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = res.text.trimEnd().split('\r\n');
    expect(lines[0]!.split(',').slice(0, 6)).toEqual([
      'id',
      'started_at',
      'answered_at',
      'ended_at',
      'direction',
      'caller_number',
    ]);
    expect(lines).toHaveLength(CALLS + 1);
    const ids = lines.slice(1).map((l) => Number(l.split(',')[0]));
    expect(ids).toEqual((await list(`?limit=100&from=${since}`)).map((j) => j.id));
    const abandoned = lines.find((l) => l.includes(CALLER_ABANDON))!;
    expect(abandoned).toContain(',abandoned,');
    const filtered = await app.api('GET', `/api/v1/calls/export.csv?from=${since}&queue=801`);
    expect(filtered.text.trimEnd().split('\r\n')).toHaveLength(2);
    expect(filtered.text).toContain(CALLER_QUEUE);
  });

  it('a user sees only calls of their own extension (1001); others are 403, the CSV is theirs only', async () => {
    expect(await callers('', app.tokens.user)).toEqual(['1001', '1001']);
    expect(await callers('&extension=1002', app.tokens.user)).toEqual(['1001']);
    expect(await callers('', app.tokens.supervisor)).toHaveLength(CALLS);
    const ivrCall = (await list(`?from=${since}&number=${CALLER_IVR}`))[0]!;
    const denied = await app.api('GET', `/api/v1/calls/${ivrCall.id}`, { token: app.tokens.user });
    expect(denied.status).toBe(403);
    const own = (await list(`?from=${since}`, app.tokens.user))[0]!;
    expect((await app.api('GET', `/api/v1/calls/${own.id}`, { token: app.tokens.user })).status).toBe(200);
    const csv = await app.api('GET', `/api/v1/calls/export.csv?from=${since}`, { token: app.tokens.user });
    expect(csv.text.trimEnd().split('\r\n')).toHaveLength(3);
    expect(csv.text).not.toContain(CALLER_IVR);
    expect((await app.api('GET', '/api/v1/calls', { token: null })).status).toBe(401);
  });

  it('answers 400 naming the field for every hostile or malformed filter, on the list and the export', async () => {
    const bad: Array<[string, string]> = [
      ['from', 'yesterday'],
      ['from', '2026-13-45T99:00:00Z'],
      ['to', '12/01/2026'],
      ['number', '12a4'],
      ['number', '%'],
      ['extension', '10 01'],
      ['queue', '0801'],
      ['direction', 'sideways'],
      ['outcome', 'ANSWERED'],
      ['did', '+32_5550'],
      ['page', '0'],
      ['limit', '1000'],
      ['limit', 'ten'],
    ];
    for (const field of ['from', 'to', 'number', 'extension', 'queue', 'direction', 'outcome', 'did'])
      for (const value of HOSTILE) bad.push([field, value]);
    for (const [field, value] of bad) {
      for (const path of ['/api/v1/calls', '/api/v1/calls/export.csv']) {
        if (path.endsWith('.csv') && (field === 'page' || field === 'limit')) continue;
        const res = await app.api('GET', `${path}?${field}=${encodeURIComponent(value)}`);
        expect({ field, value, path, status: res.status }).toEqual({ field, value, path, status: 400 });
        expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
      }
    }
    const res = await app.api('GET', `/api/v1/calls?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z`);
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('to');
    expect((await app.api('GET', '/api/v1/calls?colour=red')).status).toBe(400);
    expect((await app.api('GET', '/api/v1/calls/abc')).status).toBe(400);
    expect((await app.api('GET', '/api/v1/calls/99999999')).status).toBe(404);
  });
});

describe('call log pages', () => {
  async function signedIn(username: string, password: string) {
    const b = await openBrowser();
    await b.page.goto(`${app.url}/login`);
    await b.page.fill('input[name="username"]', username);
    await b.page.fill('input[name="password"]', password);
    await Promise.all([
      b.page.waitForURL((u) => !u.pathname.startsWith('/login')),
      b.page.click('button[type="submit"]'),
    ]);
    return b;
  }

  it('an admin filters the log with the form, sees outcome badges and opens a journey with its timeline and parties', async () => {
    const { browser, page } = await signedIn('admin', 'admin-password-1');
    try {
      await page.goto(`${app.url}/calls?from=${encodeURIComponent(since)}`);
      expect(await page.locator('tr[data-call]').count()).toBe(CALLS);
      const badges = await page.locator('[data-outcome-badge]').allTextContents();
      expect(badges.sort()).toEqual([
        'abandoned',
        'answered',
        'answered',
        'answered',
        'answered',
        'failed',
        'missed',
        'missed',
        'voicemail',
      ]);
      expect(await page.getAttribute('#calls-csv', 'href')).toContain('/api/v1/calls/export.csv?from=');
      await page.screenshot({ path: join(SHOTS, 'call-log.png'), fullPage: true });

      await page.selectOption('select[name="outcome"]', 'abandoned');
      await Promise.all([
        page.waitForURL(/outcome=abandoned/),
        page.click('#calls-filter button[type="submit"]'),
      ]);
      const rows = page.locator('tr[data-call]');
      expect(await rows.count()).toBe(1);
      expect(await rows.first().textContent()).toContain(CALLER_ABANDON);

      await page.fill('input[name="number"]', CALLER_IVR);
      await page.selectOption('select[name="outcome"]', '');
      await page.fill('input[name="did"]', DID_IVR);
      await Promise.all([page.waitForURL(/did=/), page.click('#calls-filter button[type="submit"]')]);
      expect(await page.locator('tr[data-call]').count()).toBe(1);
      await Promise.all([page.waitForURL(/\/calls\/\d+$/), page.click('tr[data-call] a')]);
      const steps = await page
        .locator('[data-steps] li')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-step')));
      expect(steps).toEqual(['start', 'inbound_route', 'ivr_key', 'ring', 'answer', 'hangup']);
      expect(await page.locator('[data-steps]').textContent()).toContain(
        `IVR ${ivrId}: caller pressed key 1`,
      );
      expect(await page.locator('[data-parties] tbody').textContent()).toContain('1002');
      expect(await page.locator('[data-call-summary]').textContent()).toContain(DID_IVR);
      await page.screenshot({ path: join(SHOTS, 'call-journey.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });

  it('a bad filter in the page is a 400 naming the field, shown next to it; hostile text is shown escaped', async () => {
    const { browser, page } = await signedIn('admin', 'admin-password-1');
    try {
      const res = await page.goto(`${app.url}/calls?number=${encodeURIComponent('<b>x</b>;')}`);
      expect(res?.status()).toBe(400);
      expect(await page.locator('label:has(input[name="number"]) .field-error').textContent()).toContain(
        'digits',
      );
      expect(await page.locator('b', { hasText: 'x' }).count()).toBe(0);
      expect(await page.inputValue('input[name="number"]')).toBe('<b>x</b>;');
    } finally {
      await browser.close();
    }
  });

  it('a user (alice, 1001) sees only her calls and is refused the journey of a call she was not in', async () => {
    const { browser, page } = await signedIn('alice', 'alice-password-1');
    try {
      await page.goto(`${app.url}/calls?from=${encodeURIComponent(since)}`);
      expect(await page.locator('h1').textContent()).toContain('My calls');
      expect(await page.locator('tr[data-call]').count()).toBe(2);
      const ivrCall = (await list(`?from=${since}&number=${CALLER_IVR}`))[0]!;
      const res = await page.goto(`${app.url}/calls/${ivrCall.id}`);
      expect(res?.status()).toBe(403);
    } finally {
      await browser.close();
    }
  });
});

describe('queue callback', () => {
  it('a caller who leaves queue 803 with the callback key and accepts the offer: outcome callback', async () => {
    const from = new Date(Date.now() - 1000).toISOString();
    // Key 5 leaves the queue; 1 then # accepts the offer to be called back on the caller's number.
    const call = await callFromTrunk({
      did: DID_CALLBACK,
      callerId: CALLER_CALLBACK,
      digits: '51#',
      waitBeforeDigitsMs: 2500,
      gapMs: 600,
      hangup: 'caller',
      holdMs: 20_000,
    });
    expect(call.requests).toContain('BYE');
    const request = await waitFor(
      'the callback request',
      async () => {
        const res = await app.api('GET', '/api/v1/queues/callbacks?queue=803', {
          token: app.tokens.supervisor,
        });
        const row = (res.body as Array<{ id: number; number: string; status: string }>)[0];
        return row?.status === 'waiting' ? row : null;
      },
      20_000,
    );
    expect(request.number).toBe(CALLER_CALLBACK);
    // Nobody can take the callback (803's only member has no phone): cancelled, its placeholder goes.
    const cancel = await app.api('DELETE', `/api/v1/queues/callbacks/${request.id}`, {
      token: app.tokens.supervisor,
    });
    expect(cancel.status).toBeLessThan(300);
    await noChannels();
    const j = await waitFor(
      'the journey of the callback caller',
      async () => {
        await app.sb.analytics.ingest();
        const found = (await list(`?from=${from}&number=${CALLER_CALLBACK}&direction=inbound`))[0];
        return found ? detail(found.id) : null;
      },
      30_000,
    );
    expect(j).toMatchObject({
      direction: 'inbound',
      did: DID_CALLBACK,
      queue_number: '803',
      outcome: 'callback',
      answered_by: null,
    });
    expect(j.steps.find((s) => s.kind === 'queue_callback')?.detail).toMatch(
      /^Left queue 803 with key 5 after \d+ s$/,
    );
    // The placeholder that held the caller's place is a call of its own: outbound, to the number
    // to call back, never counted as a caller abandoning queue 803.
    const placeholder = await waitFor(
      'the journey of the callback placeholder',
      async () => {
        await app.sb.analytics.ingest();
        return (await list(`?from=${from}&number=${CALLER_CALLBACK}&direction=outbound`))[0] ?? null;
      },
      30_000,
    );
    expect(placeholder).toMatchObject({
      caller_number: '803',
      caller_name: 'Queue callback',
      called_number: CALLER_CALLBACK,
      queue_number: null,
      outcome: 'failed',
    });
    expect(await list(`?from=${from}&queue=803&outcome=abandoned`)).toEqual([]);
  });
});
