import { describeRun, killAllCarrierSipp } from '../carrier/sipp';
import {
  type AgentPhone,
  agentTalkingTo,
  createExtensions,
  hangUpAll,
  startAgentPhone,
  waitForAgent,
} from '../support/agents';
import { startTestApp, type TestApp } from '../support/app';
import { asteriskCli, mainAri, sandbox, waitFor } from '../support/asterisk';
import { remoteAsteriskEnv, requireAsterisk } from '../support/env';
import { dialWithKeys } from '../support/phone-dtmf';
import { killAllSipp, phoneFor } from '../support/sip';
import { callFromTrunk, createCallerTrunk, type TrunkCallResult } from '../support/trunk-caller';

// Call distribution with real parts: queues and inbound routes made through the REST API and
// applied to a real Asterisk, agents as registered SIP phones (sipp) that answer every call,
// callers coming in from a trunk. Who answered whom is read from Asterisk itself (ARI bridges).

jest.setTimeout(180_000);

const AGENTS = ['2001', '2002', '2003', '2004'];
const USER_EXT = '1001'; // the test app's user "alice" has this extension
const VIP = '3225550100';

let app: TestApp;
let phones: AgentPhone[] = [];
const createdQueues: string[] = [];
const createdRoutes: number[] = [];
let trunkId: number | null = null;

interface QueueBody {
  number: string;
  name: string;
  strategy: string;
  members: Array<{ extension: string; penalty?: number; dynamic?: boolean }>;
  vip_caller_ids?: string[];
  join_when_empty?: boolean;
  ring_seconds?: number;
  retry_seconds?: number;
}

const queueBody = (q: QueueBody) => ({
  ring_seconds: 10,
  retry_seconds: 1,
  failover_destination: { type: 'hangup' },
  ...q,
});

async function createQueue(q: QueueBody): Promise<void> {
  const res = await app.api('POST', '/api/v1/queues', { body: queueBody(q) });
  if (res.status !== 201) throw new Error(`queue ${q.number}: ${res.status} ${res.text}`);
  createdQueues.push(q.number);
  const route = await app.api('POST', '/api/v1/inbound-routes', {
    body: { name: `to ${q.name}`, did: did(q.number), destination: { type: 'queue', target: q.number } },
  });
  if (route.status !== 201) throw new Error(`route to ${q.number}: ${route.status} ${route.text}`);
  createdRoutes.push(route.body.id as number);
}

const did = (queue: string) => `55500${queue}`;

const QUEUES = {
  rr: {
    number: '701',
    name: 'Round robin',
    strategy: 'rrmemory',
    members: [{ extension: '2001' }, { extension: '2002' }, { extension: '2003' }],
  },
  lr: {
    number: '702',
    name: 'Least recent',
    strategy: 'leastrecent',
    members: [{ extension: '2001' }, { extension: '2002' }, { extension: '2003' }],
  },
  penalty: {
    number: '703',
    name: 'Skills',
    strategy: 'ringall',
    members: [
      { extension: '2001', penalty: 0 },
      { extension: '2002', penalty: 5 },
    ],
  },
  vip: {
    number: '704',
    name: 'VIP first',
    strategy: 'ringall',
    members: [{ extension: '2004' }],
    vip_caller_ids: [VIP],
  },
  agents: {
    number: '705',
    name: 'Agents',
    strategy: 'ringall',
    join_when_empty: false,
    members: [
      { extension: '2003', dynamic: true },
      { extension: USER_EXT, dynamic: true },
      { extension: '2004' },
    ],
  },
} satisfies Record<string, QueueBody>;

beforeAll(async () => {
  requireAsterisk();
  // As if on another host than Asterisk (AMI over TLS and ARI only, no CLI): this area's real
  // calls prove the network control; its src/ suite keeps proving the local CLI.
  app = await startTestApp({ ...remoteAsteriskEnv() });
  const secrets = await createExtensions(app, [...AGENTS, USER_EXT]);
  trunkId = await createCallerTrunk(app);
  for (const q of Object.values(QUEUES)) await createQueue(q);
  await app.applied();
  phones = await Promise.all(AGENTS.map((ext) => startAgentPhone(ext, secrets.get(ext)!)));
  // Queue 705's static member 2004 is paused while the agent tests run there.
  await waitFor('every agent phone to be reachable', async () => {
    const endpoints = await mainAri<Array<{ resource: string; state: string }>>('GET', '/endpoints/PJSIP');
    return AGENTS.every((a) => endpoints.find((e) => e.resource === a)?.state === 'online');
  });
}, 180_000);

afterEach(async () => {
  await hangUpAll();
  await waitFor('no channel left', async () => (await mainAri<unknown[]>('GET', '/channels')).length === 0);
});

afterAll(async () => {
  killAllCarrierSipp();
  killAllSipp();
  if (!app) return;
  // Through Switchboard, so the copies it pushed into Asterisk's memory go too.
  try {
    for (const id of createdRoutes) await app.api('DELETE', `/api/v1/inbound-routes/${id}`);
    for (const q of createdQueues) await app.api('DELETE', `/api/v1/queues/${q}`);
    for (const ext of [...AGENTS, USER_EXT]) await app.api('DELETE', `/api/v1/extensions/${ext}`);
    if (trunkId !== null) await app.api('DELETE', `/api/v1/trunks/${trunkId}`);
    await app.applyNow();
  } finally {
    await app.close();
  }
});

let callerSeq = 0;
const nextCaller = () => `32255510${String(++callerSeq).padStart(2, '0')}`;

// One call into the queue: who answered it (the call is then hung up by the caller).
async function oneCall(queue: string): Promise<string> {
  const callerId = nextCaller();
  const call = callFromTrunk({ did: did(queue), callerId, hangup: 'caller', holdMs: 3_000 });
  const agent = await waitForAgent(callerId, 10_000).catch((err: Error) => err);
  if (agent instanceof Error) {
    const shown = await asteriskCli(`queue show sb-queue-${queue}`).catch(() => '');
    const result = await call;
    throw new Error(`${agent.message}\n${shown}\n${describeRun('caller', result)}`);
  }
  const result = await call;
  if (!result.ok) throw new Error(describeRun(`caller ${callerId}`, result));
  await agentsIdle();
  return agent;
}

async function agentsIdle(): Promise<void> {
  await waitFor('every agent to be idle again', async () => {
    const channels = await mainAri<Array<{ name: string }>>('GET', '/channels');
    return !channels.some((c) => /^PJSIP\/[0-9]+-/.test(c.name));
  });
}

async function live(queue: string) {
  const res = await app.api('GET', `/api/v1/queues/${queue}/live`);
  expect(res.status).toBe(200);
  return res.body as {
    members: Array<{
      extension: string;
      state: string;
      pause_reason: string | null;
      calls_taken: number;
      logged_in: boolean;
    }>;
    callers: Array<{ caller_number: string | null; priority: number; wait_seconds: number }>;
  };
}

async function agentAction(queue: string, ext: string, action: string, body?: unknown, token?: string) {
  return app.api('POST', `/api/v1/queues/${queue}/agents/${ext}/${action}`, {
    ...(body === undefined ? {} : { body }),
    ...(token === undefined ? {} : { token }),
  });
}

async function pause(queue: string, ext: string, reason = 'test'): Promise<void> {
  const res = await agentAction(queue, ext, 'pause', { reason });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ paused: true, pause_reason: reason, live_applied: true });
}

async function unpause(queue: string, ext: string): Promise<void> {
  const res = await agentAction(queue, ext, 'unpause');
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ paused: false, live_applied: true });
}

describe('queue call distribution with registered SIP agents', () => {
  it('rrmemory: answers rotate across the agents, each taking the call after the last one who answered', async () => {
    const answered: string[] = [];
    for (let i = 0; i < 6; i++) answered.push(await oneCall(QUEUES.rr.number));
    // Every window of three consecutive calls reached all three agents, in a repeating order.
    expect(new Set(answered.slice(0, 3))).toEqual(new Set(['2001', '2002', '2003']));
    expect(answered.slice(3)).toEqual(answered.slice(0, 3));
    const members = (await live(QUEUES.rr.number)).members;
    expect(members.map((m) => [m.extension, m.calls_taken])).toEqual([
      ['2001', 2],
      ['2002', 2],
      ['2003', 2],
    ]);
  });

  it('paused agents get no calls, and show as paused with their reason', async () => {
    const q = QUEUES.rr.number;
    const before = (await live(q)).members.find((m) => m.extension === '2002')!.calls_taken;
    await pause(q, '2002', 'lunch break');
    expect((await live(q)).members.find((m) => m.extension === '2002')).toMatchObject({
      state: 'paused',
      pause_reason: 'lunch break',
    });
    expect(await asteriskCli(`queue show sb-queue-${q}`)).toMatch(/PJSIP\/2002\).*\(paused:lunch break was/);
    const answered: string[] = [];
    for (let i = 0; i < 4; i++) answered.push(await oneCall(q));
    expect(answered).not.toContain('2002');
    expect(new Set(answered)).toEqual(new Set(['2001', '2003']));
    expect((await live(q)).members.find((m) => m.extension === '2002')!.calls_taken).toBe(before);
    await unpause(q, '2002');
    expect((await live(q)).members.find((m) => m.extension === '2002')!.state).toBe('available');
  });

  it('leastrecent: the next call goes to the agent idle longest, not the next in line', async () => {
    const q = QUEUES.lr.number;
    // Calls one by one to 2003, 2002, 2001 (the others paused): 2003 is then idle longest.
    const only = async (ext: string) => {
      for (const other of ['2001', '2002', '2003'].filter((e) => e !== ext)) await pause(q, other);
      await unpause(q, ext);
      const agent = await oneCall(q);
      for (const other of ['2001', '2002', '2003'].filter((e) => e !== ext)) await unpause(q, other);
      return agent;
    };
    expect(await only('2003')).toBe('2003');
    expect(await only('2002')).toBe('2002');
    expect(await only('2001')).toBe('2001');
    // In member order (rrmemory, linear) the call after 2001 would go to 2002.
    expect(await oneCall(q)).toBe('2003');
    expect(await oneCall(q)).toBe('2002');
    expect(await oneCall(q)).toBe('2001');
  });

  it('penalties: the lower-penalty agent takes every call while free; the higher one only while it is busy', async () => {
    const q = QUEUES.penalty.number;
    for (let i = 0; i < 3; i++) expect(await oneCall(q)).toBe('2001');
    // 2001 busy on a long call: the next caller goes to 2002.
    const busyCaller = nextCaller();
    const longCall = callFromTrunk({ did: did(q), callerId: busyCaller, hangup: 'caller', holdMs: 15_000 });
    expect(await waitForAgent(busyCaller)).toBe('2001');
    const second = nextCaller();
    const secondCall = callFromTrunk({ did: did(q), callerId: second, hangup: 'caller', holdMs: 3_000 });
    expect(await waitForAgent(second)).toBe('2002');
    expect((await secondCall).ok).toBe(true);
    await hangUpAll();
    await longCall;
  });

  it('a VIP caller who arrives later is answered before the callers already waiting', async () => {
    const q = QUEUES.vip.number;
    await pause(q, '2004', 'hold the line');
    const calls: Array<Promise<TrunkCallResult>> = [];
    const normal = [nextCaller(), nextCaller()];
    for (const [i, callerId] of normal.entries()) {
      calls.push(callFromTrunk({ did: did(q), callerId, hangup: 'caller', holdMs: 60_000 }));
      await waitFor(`${i + 1} callers waiting`, async () => (await live(q)).callers.length === i + 1);
    }
    calls.push(callFromTrunk({ did: did(q), callerId: VIP, hangup: 'caller', holdMs: 60_000 }));
    const waiting = await waitFor('3 callers waiting', async () => {
      const l = await live(q);
      return l.callers.length === 3 ? l.callers : null;
    });
    // Asterisk put the VIP (priority from the queue's VIP list) ahead of the earlier callers.
    expect(waiting.map((c) => [c.caller_number, c.priority])).toEqual([
      [VIP, 10],
      [normal[0], 0],
      [normal[1], 0],
    ]);
    expect(waiting[0]!.wait_seconds).toBeLessThanOrEqual(waiting[1]!.wait_seconds);
    // Callers' numbers are for the queue's own agents: alice (a user, extension 1001, not in this
    // queue) sees the members but none of the callers; a supervisor sees them all.
    const asUser = await app.api('GET', `/api/v1/queues/${q}/live`, { token: app.tokens.user });
    expect(asUser.status).toBe(200);
    expect(asUser.body.callers).toEqual([]);
    expect(asUser.body.members.map((m: { extension: string }) => m.extension)).toEqual(['2004']);
    const asSupervisor = await app.api('GET', `/api/v1/queues/${q}/live`, { token: app.tokens.supervisor });
    expect(asSupervisor.body.callers).toHaveLength(3);

    await unpause(q, '2004');
    expect(await waitForAgent(VIP)).toBe('2004');
    expect(await agentTalkingTo(normal[0]!)).toBeNull();
    const after = await live(q);
    expect(after.callers.map((c) => c.caller_number)).toEqual(normal);
    expect(after.members[0]!.state).toBe('in_call');
    await hangUpAll();
    await Promise.all(calls);
  });
});

describe('agent login, logout and pause', () => {
  const q = QUEUES.agents.number;

  it('*45 from the phone logs the agent in (it takes the next call); *45<queue> logs it out (calls stop)', async () => {
    expect((await live(q)).members.find((m) => m.extension === '2003')!.state).toBe('logged_out');
    const phone = await phoneFor('2003', phones.find((p) => p.ext === '2003')!.secret);

    const login = await dialWithKeys(phone, '*45', '');
    expect(login.ok).toBe(true);
    expect((await live(q)).members.find((m) => m.extension === '2003')).toMatchObject({
      logged_in: true,
      state: 'available',
    });
    expect(await asteriskCli(`queue show sb-queue-${q}`)).toMatch(/PJSIP\/2003\).*\(dynamic\)/);
    await pause(q, '2004');
    expect(await oneCall(q)).toBe('2003');

    const logout = await dialWithKeys(await phoneFor('2003', phone.secret), `*45${q}`, '');
    expect(logout.ok).toBe(true);
    expect((await live(q)).members.find((m) => m.extension === '2003')).toMatchObject({
      logged_in: false,
      state: 'logged_out',
    });
    expect(await asteriskCli(`queue show sb-queue-${q}`)).not.toMatch(/PJSIP\/2003/);
    // Nobody left to take calls (2004 paused, join_when_empty off): the caller is answered by
    // the queue's dialplan, sent to the failover (hang up), and no agent phone rings meanwhile.
    const callerId = nextCaller();
    const call = callFromTrunk({ did: did(q), callerId, hangup: 'caller', holdMs: 4_000 });
    const agentChannels = new Set<string>();
    let ended = false;
    void call.finally(() => {
      ended = true;
    });
    while (!ended) {
      for (const c of await mainAri<Array<{ name: string }>>('GET', '/channels'))
        if (/^PJSIP\/[0-9]+-/.test(c.name)) agentChannels.add(c.name);
      await new Promise((r) => setTimeout(r, 150));
    }
    expect((await call).responses).toContain(200);
    expect([...agentChannels]).toEqual([]);
    await unpause(q, '2004');
  });

  it('*46 pauses every queue of the caller with reason "phone", and unpauses them again', async () => {
    const phone = await phoneFor('2004', phones.find((p) => p.ext === '2004')!.secret);
    expect((await dialWithKeys(phone, '*46', '')).ok).toBe(true);
    for (const queue of [QUEUES.vip.number, q]) {
      expect((await live(queue)).members.find((m) => m.extension === '2004')).toMatchObject({
        state: 'paused',
        pause_reason: 'phone',
      });
    }
    expect((await dialWithKeys(await phoneFor('2004', phone.secret), '*46', '')).ok).toBe(true);
    for (const queue of [QUEUES.vip.number, q]) {
      expect((await live(queue)).members.find((m) => m.extension === '2004')!.state).toBe('available');
    }
  });

  it('a user acts only for their own extension; supervisors for anyone', async () => {
    const own = await agentAction(q, USER_EXT, 'login', undefined, app.tokens.user);
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ extension: USER_EXT, logged_in: true, live_applied: true });
    const other = await agentAction(q, '2003', 'login', undefined, app.tokens.user);
    expect(other.status).toBe(403);
    expect((await live(q)).members.find((m) => m.extension === '2003')!.logged_in).toBe(false);
    const bySupervisor = await agentAction(q, '2003', 'login', undefined, app.tokens.supervisor);
    expect(bySupervisor.status).toBe(200);
    expect((await agentAction(q, '2003', 'logout', undefined, app.tokens.supervisor)).status).toBe(200);
    expect((await agentAction(q, USER_EXT, 'logout', undefined, app.tokens.user)).status).toBe(200);
    expect((await app.api('GET', `/api/v1/queues/${q}/live`, { token: null })).status).toBe(401);
  });

  it('refuses bad input with 400 and changes nothing; unknown queue 404, non-member or static login 422', async () => {
    const before = await asteriskCli(`queue show sb-queue-${q}`);
    for (const reason of ['x;y', '${SHELL(id)}', 'a"b', 'line\nqueue remove', 'x'.repeat(41), '', 'a,b']) {
      const res = await agentAction(q, '2004', 'pause', { reason });
      expect(res.status).toBe(400);
      expect(res.body.error.details[0].path).toBe('reason');
    }
    expect((await agentAction(q, '2004', 'pause', { reason: 'ok', extra: 1 })).status).toBe(400);
    expect((await agentAction('7x1', '2003', 'login')).status).toBe(400);
    expect((await agentAction(q, '20;03', 'login')).status).toBe(400);
    expect((await agentAction('799', '2003', 'login')).status).toBe(404);
    expect((await agentAction(q, '2001', 'login')).status).toBe(422);
    expect((await agentAction(q, '2004', 'login')).status).toBe(422);
    expect((await agentAction(q, '2003', 'pause', { reason: 'x' })).status).toBe(409);
    const after = await asteriskCli(`queue show sb-queue-${q}`);
    const members = (s: string) =>
      s
        .split('\n')
        .filter((l) => l.includes('PJSIP/'))
        .map((l) => l.replace(/\d+ secs ago/g, ''));
    expect(members(after)).toEqual(members(before));
  });

  it('reconciles: a logged-in agent Asterisk lost is added back after the next apply that reloads app_queue', async () => {
    expect((await agentAction(q, '2003', 'login')).status).toBe(200);
    await pause(q, '2003', 'coffee');
    await asteriskCli(`queue remove member PJSIP/2003 from sb-queue-${q}`);
    expect(await asteriskCli(`queue show sb-queue-${q}`)).not.toMatch(/PJSIP\/2003/);
    const before = (await app.api('GET', '/api/v1/apply')).body.latest.id as number;
    const res = await app.api('PUT', `/api/v1/queues/${q}`, {
      body: queueBody({ ...QUEUES.agents, ring_seconds: 12 }),
    });
    expect(res.status).toBe(200);
    // The write applies by itself (coalesced); that apply reloads app_queue.
    const latest = await waitFor('the apply of the change', async () => {
      const revs = await app.api('GET', '/api/v1/apply');
      const rev = revs.body.latest as { id: number; status: string; modulesReloaded: string[] } | null;
      return rev && rev.id > before ? rev : null;
    });
    expect(latest).toMatchObject({ status: 'succeeded', modulesReloaded: ['app_queue.so'] });
    // Well within the reconciler's 30 s periodic pass: this is the apply's doing.
    const shown = await waitFor(
      '2003 back in Asterisk, paused',
      async () => {
        const out = await asteriskCli(`queue show sb-queue-${q}`);
        return /PJSIP\/2003\).*\(dynamic\).*\(paused:coffee was/.test(out) ? out : null;
      },
      8_000,
    );
    expect(shown).toMatch(/PJSIP\/2003/);
    expect((await agentAction(q, '2003', 'logout')).status).toBe(200);
  });

  // Last: it restarts the sandbox's Asterisk under the other tests' phones.
  it('when Asterisk restarts, logged-in agents and pauses are put back from MySQL', async () => {
    expect((await agentAction(q, '2003', 'login')).status).toBe(200);
    await pause(q, '2004', 'meeting');
    await sandbox('stop');
    await sandbox('start');
    // The reconciler notices the new Asterisk (ARI startup time) within seconds, not at its
    // 30 s periodic pass.
    const shown = await waitFor(
      'the agent and the pause back in the new Asterisk',
      async () => {
        const out = await asteriskCli(`queue show sb-queue-${q}`);
        return /PJSIP\/2003\).*\(dynamic\)/.test(out) && /PJSIP\/2004\).*\(paused:meeting was/.test(out)
          ? out
          : null;
      },
      25_000,
    );
    expect(shown).not.toMatch(/PJSIP\/1001/);
    expect((await agentAction(q, '2003', 'logout')).status).toBe(200);
    await unpause(q, '2004');
  });
});
