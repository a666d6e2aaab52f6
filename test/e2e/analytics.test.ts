import { killAllCarrierSipp } from '../carrier/sipp';
import { createExtensions, hangUpAll, startAgentPhone, waitForAgent } from '../support/agents';
import { startTestApp, type TestApp } from '../support/app';
import { mainAri, waitFor } from '../support/asterisk';
import { requireAsterisk } from '../support/env';
import { killAllSipp } from '../support/sip';
import { callFromTrunk, createCallerTrunk } from '../support/trunk-caller';
import { PROMPT_SECONDS, spokenUlaw } from '../support/voicemail-caller';

// The whole analytics path with real parts: calls through a real Asterisk write CDR/CEL/queue_log
// files; Switchboard ingests them, builds journeys and rollups, and the report API must give
// exactly the figures computed by hand from the same calls (queue waits as Asterisk measured
// them in queue_log). Then Switchboard is stopped while calls go on, and a new instance on the
// same database finds them.

jest.setTimeout(300_000);

const AGENT = '2281';
const NO_PHONE = '2282'; // never registers: its calls go to voicemail
const Q_ANSWER = '7281';
const Q_EMPTY = '7282';
const DID = { answer: '5557281', empty: '5557282', voicemail: '5552282' };

let app: TestApp;
let trunkId: number | null = null;
const routeIds: number[] = [];
const from = new Date(Date.now() - 60 * 60_000);

interface ReportRow {
  key: string;
  values: Record<string, number | null>;
}
interface Report {
  rows: ReportRow[];
  totals: Record<string, number | null>;
}

const KPIS = 'offered,answered,abandoned,short_abandoned,missed,voicemail,asa_seconds,service_level';

async function report(params: Record<string, string>): Promise<Report> {
  const to = new Date(Date.now() + 60 * 60_000);
  const q = new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), kpis: KPIS, ...params });
  const res = await app.api<Report>('GET', `/api/v1/reports/calls?${q}`);
  if (res.status !== 200) throw new Error(`report: ${res.status} ${res.text}`);
  return res.body;
}

async function journeysFor(dids: string[]): Promise<Array<{ did: string; outcome: string }>> {
  return app.sb.deps.db('call_journeys').whereIn('did', dids).select('did', 'outcome', 'linkedid');
}

// Ingest until `count` journeys of these DIDs exist, then roll up.
async function caughtUp(dids: string[], count: number): Promise<void> {
  await waitFor(
    `${count} journeys for ${dids.join(', ')}`,
    async () => {
      await app.sb.analytics.ingest();
      return (await journeysFor(dids)).length >= count;
    },
    60_000,
  );
  await app.sb.analytics.rollup();
}

// Hold times of answered calls in a queue as Asterisk wrote them (queue_log CONNECT data1).
async function connectHoldTimes(queue: string): Promise<number[]> {
  const rows = await app.sb.deps
    .db('queue_log_events')
    .where({ queuename: `sb-queue-${queue}`, event: 'CONNECT' })
    .select('data1');
  return rows.map((r: { data1: string }) => Number(r.data1));
}

async function noChannels(): Promise<void> {
  await waitFor(
    'no channel left',
    async () => (await mainAri<unknown[]>('GET', '/channels')).length === 0,
    20_000,
  );
}

const answeredCall = (holdMs = 3000) => callFromTrunk({ did: DID.answer, hangup: 'caller', holdMs });

beforeAll(async () => {
  requireAsterisk();
  app = await startTestApp();
  const secrets = await createExtensions(app, [AGENT]);
  const box = await app.api('POST', '/api/v1/extensions', {
    body: { number: NO_PHONE, display_name: 'Away', voicemail_enabled: true },
  });
  if (box.status !== 201) throw new Error(`extension ${NO_PHONE}: ${box.status} ${box.text}`);
  trunkId = await createCallerTrunk(app, 'analytics-carrier');
  const queue = (number: string, name: string, members: Array<{ extension: string }>) =>
    app.api('POST', '/api/v1/queues', {
      body: {
        number,
        name,
        strategy: 'ringall',
        members,
        ring_seconds: 10,
        retry_seconds: 1,
        join_when_empty: true,
        failover_destination: { type: 'hangup' },
      },
    });
  for (const res of [
    await queue(Q_ANSWER, 'Answered here', [{ extension: AGENT }]),
    await queue(Q_EMPTY, 'Nobody here', []),
  ])
    if (res.status !== 201) throw new Error(`queue: ${res.status} ${res.text}`);
  for (const [did, destination] of [
    [DID.answer, { type: 'queue', target: Q_ANSWER }],
    [DID.empty, { type: 'queue', target: Q_EMPTY }],
    [DID.voicemail, { type: 'extension', target: NO_PHONE }],
  ] as const) {
    const res = await app.api('POST', '/api/v1/inbound-routes', {
      body: { name: `to ${did}`, did, destination },
    });
    if (res.status !== 201) throw new Error(`route ${did}: ${res.status} ${res.text}`);
    routeIds.push(res.body.id as number);
  }
  await app.applied();
  await startAgentPhone(AGENT, secrets.get(AGENT)!);
  await waitFor('the agent phone to be reachable', async () => {
    const endpoints = await mainAri<Array<{ resource: string; state: string }>>('GET', '/endpoints/PJSIP');
    return endpoints.find((e) => e.resource === AGENT)?.state === 'online';
  });
}, 180_000);

afterEach(async () => {
  await hangUpAll();
  await noChannels();
});

afterAll(async () => {
  killAllCarrierSipp();
  killAllSipp();
  if (!app) return;
  // Through Switchboard, so what it pushed into Asterisk's memory goes too.
  try {
    for (const id of routeIds) await app.api('DELETE', `/api/v1/inbound-routes/${id}`);
    for (const q of [Q_ANSWER, Q_EMPTY]) await app.api('DELETE', `/api/v1/queues/${q}`);
    for (const ext of [AGENT, NO_PHONE]) await app.api('DELETE', `/api/v1/extensions/${ext}`);
    if (trunkId !== null) await app.api('DELETE', `/api/v1/trunks/${trunkId}`);
    await app.applyNow();
  } finally {
    await app.close();
  }
}, 60_000);

describe('call analytics from real calls', () => {
  it('answered, abandoned (short and not) and missed-then-voicemail calls give the hand-computed counts, ASA and service level', async () => {
    // Two queue calls the agent answers.
    for (let i = 0; i < 2; i++) expect((await answeredCall()).ok).toBe(true);
    // Two callers hang up in a queue nobody answers: after 8 s (abandoned) and 2 s (short).
    expect((await callFromTrunk({ did: DID.empty, hangup: 'caller', holdMs: 8000 })).ok).toBe(true);
    expect((await callFromTrunk({ did: DID.empty, hangup: 'caller', holdMs: 2000 })).ok).toBe(true);
    // A call to an extension with no phone: missed, then the caller leaves a voicemail.
    const speech = spokenUlaw('Please call me back about the invoice.', { padSeconds: 1 });
    const audio = Buffer.concat([Buffer.alloc(PROMPT_SECONDS * 8000, 0xff), speech.ulaw]);
    const vm = await callFromTrunk({
      did: DID.voicemail,
      hangup: 'caller',
      holdMs: Math.round((audio.length / 8000) * 1000) + 500,
      audio,
    });
    expect(vm.ok).toBe(true);
    await noChannels();

    await caughtUp(Object.values(DID), 5);
    const outcomes = (await journeysFor(Object.values(DID))).map((j) => `${j.did}:${j.outcome}`).sort();
    expect(outcomes).toEqual(
      [
        `${DID.answer}:answered`,
        `${DID.answer}:answered`,
        `${DID.empty}:abandoned`,
        `${DID.empty}:abandoned`,
        `${DID.voicemail}:voicemail`,
      ].sort(),
    );

    // By hand: both answered calls waited what queue_log says; the queue's service level
    // threshold is 20 s, so both are within it.
    const holds = await connectHoldTimes(Q_ANSWER);
    expect(holds).toHaveLength(2);
    const asa = (holds[0]! + holds[1]!) / 2;
    const answered = (await report({ group_by: 'queue', queue: Q_ANSWER })).totals;
    expect(answered).toMatchObject({ offered: 2, answered: 2, abandoned: 0, missed: 0 });
    expect(answered['asa_seconds']).toBeCloseTo(asa, 0);
    expect(answered['service_level']).toBeCloseTo(1, 5);

    const empty = (await report({ group_by: 'queue', queue: Q_EMPTY })).totals;
    expect(empty).toMatchObject({ offered: 2, answered: 0, abandoned: 2, short_abandoned: 1 });

    const vmDid = (await report({ group_by: 'did', did: DID.voicemail })).totals;
    // Missed and voicemail are disjoint: a call that left a message counts as voicemail only.
    expect(vmDid).toMatchObject({ offered: 1, answered: 0, missed: 0, voicemail: 1 });

    const csv = await app.api(
      'GET',
      `/api/v1/reports/calls?${new URLSearchParams({
        from: from.toISOString(),
        to: new Date(Date.now() + 3_600_000).toISOString(),
        group_by: 'queue',
        queue: Q_ANSWER,
        kpis: 'offered,answered',
        format: 'csv',
      })}`,
    );
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.text).toContain(Q_ANSWER);
  });

  it('calls in progress when Switchboard stops, and calls made while it is down, are in the reports after it starts again', async () => {
    const before = (await report({ group_by: 'queue', queue: Q_ANSWER })).totals;
    const dbName = app.dbName;
    // Stopped in the middle of a call: Asterisk keeps its configuration and keeps writing its files.
    const during = answeredCall(5000);
    // In the middle of the call: the agent is talking to the caller (default caller ID).
    expect(await waitForAgent('3225559999')).toBe(AGENT);
    await app.sb.stop();
    expect((await during).ok).toBe(true);
    expect((await callFromTrunk({ did: DID.empty, hangup: 'caller', holdMs: 7000 })).ok).toBe(true);
    await noChannels();

    app = await startTestApp({}, { dbName });
    await caughtUp([DID.answer, DID.empty], 6);
    const after = (await report({ group_by: 'queue', queue: Q_ANSWER })).totals;
    expect(after['offered']).toBe((before['offered'] ?? 0) + 1);
    expect(after['answered']).toBe((before['answered'] ?? 0) + 1);
    const empty = (await report({ group_by: 'queue', queue: Q_EMPTY })).totals;
    expect(empty).toMatchObject({ offered: 3, abandoned: 3 });
    // Each line was read once: one journey per call.
    const linkedids = (await journeysFor([DID.answer, DID.empty])).map((j) => j.did);
    expect(linkedids).toHaveLength(6);
  });
});
