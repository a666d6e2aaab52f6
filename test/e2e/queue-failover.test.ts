import { createSocket, type Socket } from 'node:dgram';
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
import { answerCalls, type Phone, phoneFor, register, type SippHandle, succeeded } from '../support/sip';
import { callFromTrunk, createCallerTrunk } from '../support/trunk-caller';

// Queue failover with real calls: a carrier (sipp over an IP trunk) calls DIDs whose inbound
// routes lead to queues; the failover destination is extension 1003, a registered sipp phone
// that answers. Queue 700 has no agent and refuses to be joined empty; queue 701 has agent 1002,
// registered and ringing but never answering, and a longest wait of 3 seconds.

let app: TestApp;
let observer: CallObserver;
let trunkId: number;
const routeIds: number[] = [];
const secrets = new Map<string, string>();

const queue = (over: Record<string, unknown>) => ({
  strategy: 'ringall',
  ring_seconds: 15,
  retry_seconds: 1,
  failover_destination: { type: 'extension', target: '1003' },
  ...over,
});

beforeAll(async () => {
  requireAsterisk();
  app = await startTestApp();
  observer = await CallObserver.start();
  await createExtensions(app, ['1002', '1003'], { secrets });
  trunkId = await createCallerTrunk(app);
  for (const body of [
    queue({ number: '700', name: 'Nobody home', join_when_empty: false }),
    queue({ number: '701', name: 'Slow desk', members: [{ extension: '1002' }], max_wait_seconds: 3 }),
  ])
    await apiCreate(app, '/api/v1/queues', body);
  for (const n of ['700', '701'])
    routeIds.push(await createInboundRoute(app, `Line ${n}`, `3225550${n}`, { type: 'queue', target: n }));
  await app.applied();
}, 120_000);

afterEach(() => endCalls(observer));

afterAll(
  () =>
    endCallSuite(app, observer, () => [
      ...routeIds.map((id) => `/api/v1/inbound-routes/${id}`),
      ...['700', '701'].map((n) => `/api/v1/queues/${n}`),
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

// A registered phone that rings (180) on every call and never answers; CANCEL ends the ring.
async function ringingNeverAnswers(number: string): Promise<{ invites: number; close(): void }> {
  const phone = await phoneFor(number, secrets.get(number)!);
  await succeeded(register(phone, { expires: 120 }));
  const sock: Socket = createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(phone.sipPort, '127.0.0.1', resolve));
  const state = { invites: 0 };
  const pending = new Map<string, string[]>();
  const reply = (status: string, headers: string[], port: number, address: string) =>
    sock.send([`SIP/2.0 ${status}`, ...headers, 'Content-Length: 0', '', ''].join('\r\n'), port, address);
  sock.on('message', (data, rinfo) => {
    const msg = data.toString();
    const headers = msg.split('\r\n').filter((l) => /^(Via|From|To|Call-ID|CSeq):/i.test(l));
    const callId = /^Call-ID:\s*(.*)$/im.exec(msg)?.[1] ?? '';
    const tagged = headers.map((h) =>
      /^To:/i.test(h) && !/;tag=/.test(h) ? `${h};tag=ring${state.invites}` : h,
    );
    if (msg.startsWith('INVITE ')) {
      state.invites++;
      pending.set(callId, tagged);
      reply('100 Trying', headers, rinfo.port, rinfo.address);
      reply('180 Ringing', tagged, rinfo.port, rinfo.address);
    } else if (msg.startsWith('CANCEL ')) {
      reply('200 OK', headers, rinfo.port, rinfo.address);
      const invite = pending.get(callId);
      if (invite) reply('487 Request Terminated', invite, rinfo.port, rinfo.address);
      pending.delete(callId);
    } else if (msg.startsWith('OPTIONS ') || msg.startsWith('NOTIFY ') || msg.startsWith('BYE ')) {
      reply('200 OK', headers, rinfo.port, rinfo.address);
    }
  });
  return {
    get invites() {
      return state.invites;
    },
    close: () => sock.close(),
  };
}

function carrierChannel(): Promise<ObservedChannel> {
  return observer.channel('the carrier call in Asterisk', (c) =>
    c.name.startsWith('PJSIP/trunk-test-carrier'),
  );
}

describe('queue failover on real calls', () => {
  it('a queue with no agent that callers may not join empty sends the call straight to its failover (1003)', async () => {
    const phone = await answering('1003');
    const call = callFromTrunk({ did: '3225550700', hangup: 'caller', holdMs: 2_000 });
    const ch = await carrierChannel();
    await observer.ran(ch, 'Queue', 'sb-queue-700', 20_000);
    await observer.ran(ch, 'NoOp', 'queue 700 JOINEMPTY', 20_000);
    await observer.ran(ch, 'Dial', 'PJSIP/1003', 20_000);
    await succeeded(phone);
    const result = await call;
    if (!result.ok) throw new Error(describeRun('trunk call', result));
  }, 90_000);

  it('caller priority: the VIP list lifts a listed caller, and a route priority that is higher wins', async () => {
    const put = async (path: string, body: Record<string, unknown>) => {
      const res = await app.api('PUT', path, { body });
      if (res.status !== 200) throw new Error(`PUT ${path}: ${res.status} ${res.text}`);
    };
    const nobodyHome = queue({ name: 'Nobody home', join_when_empty: false });
    await put('/api/v1/queues/700', { ...nobodyHome, vip_caller_ids: ['3225559999'], vip_priority: 6 });
    await app.applyNow();
    const priorityOf = async (callerId: string) => {
      observer.clear();
      const phone = await answering('1003');
      const call = callFromTrunk({ did: '3225550700', callerId, hangup: 'caller', holdMs: 2_000 });
      const ch = await carrierChannel();
      const step = await observer.ran(ch, 'Set', /^QUEUE_PRIO=/, 20_000);
      await observer.ran(ch, 'Dial', 'PJSIP/1003', 20_000);
      await succeeded(phone);
      const result = await call;
      if (!result.ok) throw new Error(describeRun('trunk call', result));
      return step.data;
    };
    expect(await priorityOf('3225559999')).toBe('QUEUE_PRIO=6');
    expect(await priorityOf('3225558888')).toBe('QUEUE_PRIO=0');
    const route = { name: 'Line 700', did: '3225550700', destination: { type: 'queue', target: '700' } };
    await put(`/api/v1/inbound-routes/${routeIds[0]}`, { ...route, queue_priority: 8 });
    await app.applyNow();
    expect(await priorityOf('3225559999')).toBe('QUEUE_PRIO=8');
    await put(`/api/v1/inbound-routes/${routeIds[0]}`, { ...route, queue_priority: 0 });
    await put('/api/v1/queues/700', nobodyHome);
    await app.applyNow();
  }, 120_000);

  it('a caller who waits past the longest wait (3 s) while the agent rings unanswered goes to the failover', async () => {
    const agent = await ringingNeverAnswers('1002');
    try {
      // Asterisk qualifies a new contact at once; if that OPTIONS came before this socket was
      // bound, ask again rather than wait a minute for the next one.
      await asteriskCli('pjsip qualify 1002');
      await waitFor('agent 1002 available in the queue', async () =>
        /PJSIP\/1002[^\n]*Not in use/.test(await asteriskCli('queue show sb-queue-701')),
      );
      const phone = await answering('1003');
      const call = callFromTrunk({
        did: '3225550701',
        hangup: 'caller',
        // Long enough to wait out the queue and then talk to the failover phone.
        holdMs: 9_000,
      });
      const ch = await carrierChannel();
      await observer.ran(ch, 'Queue', 'sb-queue-701', 20_000);
      const joined = Date.now();
      const ringing = await observer.channel('the agent 1002 ringing', (c) =>
        c.name.startsWith('PJSIP/1002-'),
      );
      await observer.ran(ch, 'NoOp', 'queue 701 TIMEOUT', 20_000);
      const waited = Date.now() - joined;
      await observer.ran(ch, 'Dial', 'PJSIP/1003', 20_000);
      expect(ringing.name).toMatch(/^PJSIP\/1002-/);
      expect(agent.invites).toBeGreaterThanOrEqual(1);
      expect(waited).toBeGreaterThanOrEqual(2_000);
      expect(waited).toBeLessThan(10_000);
      await succeeded(phone);
      const result = await call;
      if (!result.ok) throw new Error(describeRun('trunk call', result));
    } finally {
      agent.close();
    }
  }, 90_000);
});
