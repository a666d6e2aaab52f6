import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { killAllCarrierSipp } from '../carrier/sipp';
import { createExtensions, startAgentPhone, waitForAgent } from '../support/agents';
import { startTestApp, type TestApp } from '../support/app';
import { ariObject, asteriskCli, mainAri, sandbox, waitFor } from '../support/asterisk';
import { requireAsterisk, testEnv } from '../support/env';
import { recordFigure } from '../support/figures';
import { killAllSipp } from '../support/sip';
import { callFromTrunk, createCallerTrunk } from '../support/trunk-caller';

// Fault: Asterisk restarted during business, and on a fresh astdb (its database file gone, as on
// a rebuilt host). Switchboard must bring everything back by itself, without an admin: the
// configuration Asterisk reads at start, the logged-in queue agents (dynamic members die with
// the process), the astdb mirror of do-not-disturb and forwarding the dialplan reads, a waiting
// queue callback's place in its queue, and the readiness probe; then a carrier call reaches the
// agent as before.

jest.setTimeout(240_000);

const QUEUE_DID = '3225550921';
const CALLBACK_DID = '3225550922';
const CALLER = '3225557777';
// A national number the callback may call back (the outbound route below reaches it).
const CALLBACK_CALLER = '0470555888';

let app: TestApp;
const secrets = new Map<string, string>();

beforeAll(async () => {
  requireAsterisk();
  app = await startTestApp();
  for (const [ext, secret] of await createExtensions(app, ['1001', '1002', '2001'])) secrets.set(ext, secret);
  const queue = await app.api('POST', '/api/v1/queues', {
    body: {
      number: '801',
      name: 'Sales',
      strategy: 'ringall',
      members: [{ extension: '2001', dynamic: true }],
      ring_seconds: 10,
      retry_seconds: 1,
      join_when_empty: true,
      failover_destination: { type: 'hangup' },
    },
  });
  if (queue.status !== 201) throw new Error(`queue: ${queue.status} ${queue.text}`);
  // A queue whose only agent is logged out: a callback request waits there, its placeholder
  // holding the caller's place.
  const callbackQueue = await app.api('POST', '/api/v1/queues', {
    body: {
      number: '802',
      name: 'Callbacks',
      strategy: 'ringall',
      members: [{ extension: '1002', dynamic: true }],
      ring_seconds: 10,
      retry_seconds: 1,
      join_when_empty: true,
      failover_destination: { type: 'hangup' },
      callback: { enabled: true, key: '5', max_attempts: 1, retry_seconds: 60 },
    },
  });
  if (callbackQueue.status !== 201)
    throw new Error(`queue 802: ${callbackQueue.status} ${callbackQueue.text}`);
  await createCallerTrunk(app);
  const far = await app.api('POST', '/api/v1/trunks', {
    body: {
      name: 'far-carrier',
      kind: 'ip',
      host: '127.0.25.9',
      peer_addresses: ['127.0.25.9'],
      qualify: false,
    },
  });
  if (far.status !== 201) throw new Error(`trunk: ${far.status} ${far.text}`);
  const mobiles = await app.api('POST', '/api/v1/outbound-routes', {
    body: { name: 'Mobiles', patterns: ['_04XXXXXXXX'], class: 'national', trunk_ids: [far.body.id] },
  });
  if (mobiles.status !== 201) throw new Error(`outbound route: ${mobiles.status} ${mobiles.text}`);
  const callbackRoute = await app.api('POST', '/api/v1/inbound-routes', {
    body: { name: 'callback line', did: CALLBACK_DID, destination: { type: 'queue', target: '802' } },
  });
  if (callbackRoute.status !== 201) throw new Error(`route: ${callbackRoute.status} ${callbackRoute.text}`);
  const route = await app.api('POST', '/api/v1/inbound-routes', {
    body: { name: 'sales line', did: QUEUE_DID, destination: { type: 'queue', target: '801' } },
  });
  if (route.status !== 201) throw new Error(`route: ${route.status} ${route.text}`);
  const handling = await app.api('PUT', '/api/v1/extensions/1001/call-handling', {
    body: { dnd: true, forward: { always: null, busy: null, noAnswer: '1002' } },
  });
  if (handling.status !== 200) throw new Error(`call handling: ${handling.status} ${handling.text}`);
  await app.applied();
  const login = await app.api('POST', '/api/v1/queues/801/agents/2001/login');
  if (login.status >= 300) throw new Error(`agent login: ${login.status} ${login.text}`);
}, 120_000);

afterAll(async () => {
  killAllSipp();
  killAllCarrierSipp();
  // A failure between the stop and the start must not leave the lane's Asterisk down for the
  // suites after this one.
  if (!(await sandbox('status').catch(() => 'stopped')).startsWith('running')) await sandbox('start');
  try {
    if (app) {
      for (const r of (await app.api('GET', '/api/v1/inbound-routes')).body.items ?? [])
        await app.api('DELETE', `/api/v1/inbound-routes/${r.id}`);
      for (const c of (await app.api('GET', '/api/v1/queues/callbacks?queue=802')).body ?? [])
        await app.api('DELETE', `/api/v1/queues/callbacks/${c.id}`);
      for (const q of ['801', '802']) await app.api('DELETE', `/api/v1/queues/${q}`);
      for (const r of (await app.api('GET', '/api/v1/outbound-routes')).body.items ?? [])
        await app.api('DELETE', `/api/v1/outbound-routes/${r.id}`);
      for (const t of (await app.api('GET', '/api/v1/trunks')).body.items ?? [])
        await app.api('DELETE', `/api/v1/trunks/${t.id}`);
      for (const n of ['1001', '1002', '2001']) await app.api('DELETE', `/api/v1/extensions/${n}`);
      await app.applyNow();
    }
  } finally {
    await app?.close();
  }
}, 120_000);

interface CallbackRow {
  id: number;
  status: string;
}

const waitingCallbacks = async () =>
  ((await app.api('GET', '/api/v1/queues/callbacks?queue=802&status=waiting')).body as CallbackRow[]) ?? [];
const placeholders = async () =>
  (await mainAri<Array<{ id: string }>>('GET', '/channels'))
    .map((c) => c.id)
    // The placeholder is a Local channel pair: its first half is sb-cbw-<request>-<n>.
    .filter((id) => /^sb-cbw-\d+-\d+$/.test(id));
const callersIn802 = async () =>
  /has 1 call/.test(await asteriskCli('queue show sb-queue-802').catch(() => ''));
const memberShown = async () => /2001/.test(await asteriskCli('queue show sb-queue-801').catch(() => ''));
const astdb = async (key: string) =>
  (await asteriskCli(`database get sb ${key}`).catch(() => '')).match(/Value: (\S+)/)?.[1] ?? null;

it('Asterisk restarted on a fresh astdb: config, agents, astdb mirror and readiness come back by themselves; a queue call reaches the agent', async () => {
  await waitFor('agent 2001 in the queue', memberShown, 20_000);
  // A caller leaves queue 802 with key 5 and accepts being called back on their own number.
  const left = await callFromTrunk({
    did: CALLBACK_DID,
    callerId: CALLBACK_CALLER,
    digits: '51#',
    waitBeforeDigitsMs: 2500,
    gapMs: 600,
    hangup: 'caller',
    holdMs: 20_000,
  });
  expect(left.requests).toContain('BYE');
  const [request] = await waitFor(
    'the callback request to wait in queue 802',
    async () =>
      (await waitingCallbacks()).length === 1 && (await callersIn802()) ? waitingCallbacks() : null,
    30_000,
  );
  const before = await placeholders();
  expect(before).toHaveLength(1);
  expect(await astdb('dnd/1001')).not.toBeNull();
  expect(await astdb('cfna/1001')).toBe('1002');

  await sandbox('stop');
  // A rebuilt host: Asterisk's own database is gone with it.
  rmSync(join(testEnv.sandboxDir, 'var/lib/asterisk/astdb.sqlite3'), { force: true });
  await waitFor(
    '/readyz to say not ready',
    async () => (await fetch(`${app.url}/readyz`)).status === 503,
    15_000,
  );
  const startedAt = Date.now();
  await sandbox('start');

  await waitFor(
    '/readyz to answer 200',
    async () => (await fetch(`${app.url}/readyz`)).status === 200,
    60_000,
  );
  const readyMs = Date.now() - startedAt;
  await waitFor('agent 2001 back in the queue', memberShown, 60_000);
  const agentsMs = Date.now() - startedAt;
  await waitFor('the astdb mirror restored', async () => (await astdb('cfna/1001')) === '1002', 90_000);
  const mirrorMs = Date.now() - startedAt;
  // The callback keeps its place: a new placeholder holds it in queue 802, the request still waits.
  await waitFor(
    "the callback's place taken again in queue 802",
    async () =>
      (await callersIn802()) && (await placeholders()).some((id) => id.startsWith(`sb-cbw-${request!.id}-`)),
    60_000,
  );
  const callbackMs = Date.now() - startedAt;
  expect((await waitingCallbacks()).map((r) => r.id)).toEqual([request!.id]);
  expect(await placeholders()).not.toContain(before[0]); // a new one: the old died with Asterisk
  expect(await astdb('dnd/1001')).not.toBeNull();
  // The configuration Asterisk read at start is Switchboard's.
  expect(await ariObject('endpoint', '2001')).not.toBeNull();
  recordFigure('Asterisk restart: ready again after', readyMs, 'ms');
  recordFigure('Asterisk restart: queue agents restored after', agentsMs, 'ms');
  recordFigure('Asterisk restart (fresh astdb): forwarding/DND mirror restored after', mirrorMs, 'ms');
  recordFigure('Asterisk restart: a waiting queue callback back in its queue after', callbackMs, 'ms');

  // Business as usual: a carrier call to the queue reaches the logged-in agent.
  await startAgentPhone('2001', secrets.get('2001')!);
  const call = callFromTrunk({ did: QUEUE_DID, callerId: CALLER, hangup: 'caller', holdMs: 4_000 });
  expect(await waitForAgent(CALLER, 30_000)).toBe('2001');
  expect((await call).ok).toBe(true);
});
