import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { killAllCarrierSipp } from '../carrier/sipp';
import { createExtensions, startAgentPhone, waitForAgent } from '../support/agents';
import { startTestApp, type TestApp } from '../support/app';
import { ariObject, asteriskCli, sandbox, waitFor } from '../support/asterisk';
import { requireAsterisk, testEnv } from '../support/env';
import { recordFigure } from '../support/figures';
import { killAllSipp } from '../support/sip';
import { callFromTrunk, createCallerTrunk } from '../support/trunk-caller';

// Fault: Asterisk restarted during business, and on a fresh astdb (its database file gone, as on
// a rebuilt host). Switchboard must bring everything back by itself, without an admin: the
// configuration Asterisk reads at start, the logged-in queue agents (dynamic members die with
// the process), the astdb mirror of do-not-disturb and forwarding the dialplan reads, and the
// readiness probe; then a carrier call reaches the agent as before.

jest.setTimeout(240_000);

const QUEUE_DID = '3225550921';
const CALLER = '3225557777';

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
  await createCallerTrunk(app);
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
  try {
    if (app) {
      for (const r of (await app.api('GET', '/api/v1/inbound-routes')).body.items ?? [])
        await app.api('DELETE', `/api/v1/inbound-routes/${r.id}`);
      await app.api('DELETE', '/api/v1/queues/801');
      for (const t of (await app.api('GET', '/api/v1/trunks')).body.items ?? [])
        await app.api('DELETE', `/api/v1/trunks/${t.id}`);
      for (const n of ['1001', '1002', '2001']) await app.api('DELETE', `/api/v1/extensions/${n}`);
      await app.applyNow();
    }
  } finally {
    await app?.close();
  }
}, 120_000);

const memberShown = async () => /2001/.test(await asteriskCli('queue show sb-queue-801').catch(() => ''));
const astdb = async (key: string) =>
  (await asteriskCli(`database get sb ${key}`).catch(() => '')).match(/Value: (\S+)/)?.[1] ?? null;

it('Asterisk restarted on a fresh astdb: config, agents, astdb mirror and readiness come back by themselves; a queue call reaches the agent', async () => {
  await waitFor('agent 2001 in the queue', memberShown, 20_000);
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
  expect(await astdb('dnd/1001')).not.toBeNull();
  // The configuration Asterisk read at start is Switchboard's.
  expect(await ariObject('endpoint', '2001')).not.toBeNull();
  recordFigure('Asterisk restart: ready again after', readyMs, 'ms');
  recordFigure('Asterisk restart: queue agents restored after', agentsMs, 'ms');
  recordFigure('Asterisk restart (fresh astdb): forwarding/DND mirror restored after', mirrorMs, 'ms');

  // Business as usual: a carrier call to the queue reaches the logged-in agent.
  await startAgentPhone('2001', secrets.get('2001')!);
  const call = callFromTrunk({ did: QUEUE_DID, callerId: CALLER, hangup: 'caller', holdMs: 4_000 });
  expect(await waitForAgent(CALLER, 30_000)).toBe('2001');
  expect((await call).ok).toBe(true);
});
