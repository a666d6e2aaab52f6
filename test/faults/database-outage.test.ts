import type { JourneyApi } from '../../src/journeys/service';
import { describeRun, killAllCarrierSipp } from '../carrier/sipp';
import { startTestApp, type TestApp } from '../support/app';
import { hangUpChannels, mainAri, waitFor } from '../support/asterisk';
import { requireAsterisk } from '../support/env';
import { recordFigure } from '../support/figures';
import { PrivateMariaDb } from '../support/private-mariadb';
import {
  answerCalls,
  killAllSipp,
  phoneFor,
  placeCall,
  register,
  type SippHandle,
  succeeded,
} from '../support/sip';
import { startSmtp, type TestSmtp } from '../support/smtp';
import { callFromTrunk, createCallerTrunk } from '../support/trunk-caller';
import { leaveMessage, spokenUlaw } from '../support/voicemail-caller';

// Fault: MariaDB stopped for 60 s while calls are up and people use the API. The dialplan does
// not depend on the database, so the call in progress stays up and new internal, inbound and
// voicemail calls work; the API answers 503 with a clear error at once (not after a minute of
// waiting) and accepts nothing; once the server is back, Switchboard serves again without a
// restart, and the calls of the outage reach the call log, the voicemail reaches its email and
// the rollups count them. Switchboard runs on a MariaDB of this suite's own, so stopping it does
// not touch the other lanes.

jest.setTimeout(300_000);

const OUTAGE_MS = 60_000;
const DID = '3225550911';
const CARRIER_CALLER = '3225554343';

let db: PrivateMariaDb;
let app: TestApp;
let smtp: TestSmtp;
const secrets = new Map<string, string>();
const live: SippHandle[] = [];

beforeAll(async () => {
  requireAsterisk();
  db = new PrivateMariaDb();
  await db.install();
  await db.start();
  smtp = await startSmtp();
  const dbName = 'sb_outage';
  // Switchboard creates and migrates its database on this server itself, as `npm run up` does.
  app = await startTestApp(
    {
      DATABASE_URL: `${db.url}/${dbName}`,
      VOICEMAIL_DELIVERY_SECONDS: '2',
      VOICEMAIL_DELIVERY_RETRY_SECONDS: '1',
    },
    { dbName, keepDatabase: true },
  );
  for (const number of ['1001', '1002', '1004', '1005', '1006']) {
    const res = await app.api('POST', '/api/v1/extensions', {
      body: { number, display_name: `Phone ${number}` },
    });
    if (res.status !== 201) throw new Error(`extension ${number}: ${res.status} ${res.text}`);
    secrets.set(number, res.body.sip_secret);
  }
  const carol = await app.api('POST', '/api/v1/extensions', {
    body: { number: '1003', display_name: 'Carol', voicemail_enabled: true },
  });
  if (carol.status !== 201) throw new Error(`extension 1003: ${carol.status} ${carol.text}`);
  const box = await app.api('PATCH', '/api/v1/voicemail-boxes/1003', {
    body: { email: 'carol@example.test' },
  });
  if (box.status !== 200) throw new Error(`box: ${box.status} ${box.text}`);
  const mail = await app.api('PUT', '/api/v1/smtp', {
    body: { host: '127.0.0.1', port: smtp.port, tls_mode: 'none', from_address: 'pbx@example.test' },
  });
  if (mail.status !== 200) throw new Error(`smtp: ${mail.status} ${mail.text}`);
  await createCallerTrunk(app);
  const route = await app.api('POST', '/api/v1/inbound-routes', {
    body: { name: 'main line', did: DID, destination: { type: 'extension', target: '1006' } },
  });
  if (route.status !== 201) throw new Error(`route: ${route.status} ${route.text}`);
  await app.applied();
}, 180_000);

afterAll(async () => {
  killAllSipp();
  killAllCarrierSipp();
  await hangUpChannels().catch(() => undefined);
  // A failure during the outage must not leave the server down: the clean-up below needs it.
  await db?.start();
  try {
    if (app) {
      for (const n of ['1001', '1002', '1003', '1004', '1005', '1006'])
        await app.api('DELETE', `/api/v1/extensions/${n}`);
      for (const r of (await app.api('GET', '/api/v1/inbound-routes')).body.items ?? [])
        await app.api('DELETE', `/api/v1/inbound-routes/${r.id}`);
      for (const t of (await app.api('GET', '/api/v1/trunks')).body.items ?? [])
        await app.api('DELETE', `/api/v1/trunks/${t.id}`);
      await app.applyNow();
    }
  } finally {
    await app?.close();
    await smtp?.close();
    await db?.destroy();
  }
}, 120_000);

async function answering(ext: string, timeoutMs: number): Promise<SippHandle> {
  const phone = await phoneFor(ext, secrets.get(ext)!);
  await succeeded(register(phone));
  const handle = await answerCalls(phone, { timeoutMs });
  live.push(handle);
  return handle;
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work();
  return { value, ms: Date.now() - started };
}

it('MariaDB stopped for 60 s: calls go on, the API answers 503 and accepts nothing, and everything catches up', async () => {
  const since = new Date(Date.now() - 1000).toISOString();
  // Registrations first: a REGISTER needs no database either, but the test's phones are ready.
  await answering('1002', 200_000);
  const internalCallee = await answering('1005', 120_000);
  const inboundCallee = await answering('1006', 120_000);
  const caller = await phoneFor('1001', secrets.get('1001')!);
  await succeeded(register(caller));
  const inProgress = placeCall(caller, '1002', { talkMs: 180_000 });
  live.push(inProgress);
  await waitFor(
    'the call in progress to be answered',
    async () =>
      (await mainAri<Array<{ state: string }>>('GET', '/channels')).filter((c) => c.state === 'Up').length ===
      2,
    20_000,
  );

  const stoppedAt = Date.now();
  await db.stop();

  // The API: a clear 503 at once, for reads and writes, for the API and the pages.
  const read = await timed(() => app.api('GET', '/api/v1/extensions'));
  expect(read.value.status).toBe(503);
  expect(read.value.body.error.code).toBe('database_unavailable');
  expect(read.value.body.error.message).toMatch(/^the database is not reachable: try again in a moment/);
  expect(read.value.headers.get('retry-after')).toBe('5');
  expect(read.ms).toBeLessThan(10_000);
  const write = await timed(() =>
    app.api('POST', '/api/v1/extensions', { body: { number: '1099', display_name: 'During the outage' } }),
  );
  expect(write.value.status).toBe(503);
  expect(write.ms).toBeLessThan(10_000);
  const page = await fetch(`${app.url}/extensions`, {
    headers: { accept: 'text/html', authorization: `Bearer ${app.tokens.admin}` },
  });
  expect(page.status).toBe(503);
  expect(await page.text()).toContain('database is not reachable');
  recordFigure('database outage: API answered 503 after', Math.max(read.ms, write.ms), 'ms');

  // Calls: a new internal call, a carrier's call and a voicemail, all while the database is away.
  const c1004 = await phoneFor('1004', secrets.get('1004')!);
  await succeeded(register(c1004));
  const internalCall = await succeeded(placeCall(c1004, '1005', { talkMs: 3_000 }));
  const inbound = await callFromTrunk({
    did: DID,
    callerId: CARRIER_CALLER,
    hangup: 'caller',
    holdMs: 3_000,
  });
  expect({ ok: inbound.ok, why: inbound.ok ? '' : describeRun('carrier call', inbound) }).toEqual({
    ok: true,
    why: '',
  });
  const vm = await leaveMessage({
    from: { number: '1004', secret: secrets.get('1004')! },
    to: '1003',
    speech: spokenUlaw('Carol, the database was down when I called. Call me back.').ulaw,
  });
  expect({ code: vm.code, why: vm.code === 0 ? '' : describeRun('voicemail', vm) }).toEqual({
    code: 0,
    why: '',
  });
  // Each asserted above; counted for the figure.
  const outageCalls = [internalCall.code === 0, inbound.ok, vm.code === 0];
  internalCallee.kill();
  inboundCallee.kill();
  // Still down: all of the above happened inside the outage (which lasts at least 60 s, longer
  // when a loaded machine makes the calls slower).
  expect((await app.api('GET', '/api/v1/extensions')).status).toBe(503);

  // The rest of the 60 s, watching the call in progress (an observation window, not a sleep).
  while (Date.now() - stoppedAt < OUTAGE_MS) {
    const up = (await mainAri<Array<{ state: string }>>('GET', '/channels')).filter((c) => c.state === 'Up');
    expect(up.length).toBe(2);
    await new Promise((r) => setTimeout(r, 1_000));
  }

  const restartedAt = Date.now();
  await db.start();
  await waitFor(
    'the API to answer again',
    async () => (await app.api('GET', '/api/v1/extensions')).status === 200,
    30_000,
  );
  const recoveredMs = Date.now() - restartedAt;
  recordFigure('database outage: API serving again after the server was back', recoveredMs, 'ms');
  expect(recoveredMs).toBeLessThan(15_000);
  // The call in progress outlived the outage; now it ends.
  expect(
    (await mainAri<Array<{ state: string }>>('GET', '/channels')).filter((c) => c.state === 'Up'),
  ).toHaveLength(2);
  await hangUpChannels();
  await inProgress.exited;

  // Nothing accepted was lost, nothing refused was half-done.
  expect((await app.api('GET', '/api/v1/extensions/1099')).status).toBe(404);
  expect((await app.api('GET', '/api/v1/extensions/1001')).status).toBe(200);

  // The voicemail reaches its email once the database is back, exactly once.
  const emails = await smtp.waitFor(1, 60_000);
  recordFigure(
    'database outage: voicemail emailed after the server was back',
    Date.now() - restartedAt,
    'ms',
  );
  expect(smtp.recipients[0]).toEqual(['carol@example.test']);
  expect(emails[0]!.attachments).toHaveLength(1);

  // The calls of the outage are in the call log, and in the rollups.
  const journeys = await waitFor(
    'the journeys of the outage',
    async () => {
      await app.sb.analytics.ingest();
      const res = await app.api('GET', `/api/v1/calls?limit=50&from=${since}`);
      const items = res.body.items as JourneyApi[];
      return items.length >= 4 ? items : null;
    },
    60_000,
  );
  recordFigure(
    "database outage: the outage's calls in the call log after the server was back",
    Date.now() - restartedAt,
    'ms',
  );
  const find = (match: (j: JourneyApi) => boolean) => journeys.filter(match);
  expect(find((j) => j.caller_number === '1001' && j.called_number === '1002')).toEqual([
    expect.objectContaining({ outcome: 'answered', answered_by: '1002' }),
  ]);
  expect(find((j) => j.caller_number === '1004' && j.called_number === '1005')).toEqual([
    expect.objectContaining({ outcome: 'answered', answered_by: '1005' }),
  ]);
  expect(find((j) => j.caller_number === CARRIER_CALLER)).toEqual([
    expect.objectContaining({ direction: 'inbound', outcome: 'answered', answered_by: '1006' }),
  ]);
  expect(find((j) => j.called_number === '1003')).toEqual([
    expect.objectContaining({ outcome: 'voicemail', voicemail_box: '1003' }),
  ]);
  const rolled = await app.sb.analytics.rollup();
  expect(rolled.journeys).toBeGreaterThanOrEqual(4);
  expect(smtp.received).toHaveLength(1);
  recordFigure(
    'database outage: calls placed during the outage that worked',
    outageCalls.filter(Boolean).length,
    `of ${outageCalls.length}`,
  );
});
