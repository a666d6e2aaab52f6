import { Ari } from '../../src/asterisk/ari';
import { createLogger } from '../../src/lib/log';
import { parseQueueShow, type ShownMember } from '../../src/queues/agents/asterisk';
import { startTestApp, type TestApp } from '../support/app';
import { asteriskCli, hangUpChannels, mainAri, waitFor } from '../support/asterisk';
import { startPhone, type TestPhone } from '../support/callback-phone';
import { requireAsterisk, testEnv } from '../support/env';
import { killAllSipp } from '../support/sip';
import { callFromTrunk, createCallerTrunk, type TrunkCallResult } from '../support/trunk-caller';

// Queue callback end to end, all real: callers arrive over an IP trunk (sipp, RFC 2833 keys),
// wait in a real app_queue queue, press the callback key and confirm; agents are registered SIP
// phones; the number called back is reached through an outbound route and an IP trunk whose far
// end is a SIP phone on 127.0.3.2 that records every INVITE it gets (so dials are counted where
// they land). Asterisk's own view (queue members, channels, bridges) is read over ARI and the CLI.

jest.setTimeout(240_000);

// The engine's warnings go to the lane's output: when a restart test fails in CI, they say
// whether the new instance reached ARI and its database.
const LOGGED = { LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'warn' };

const CALLEE_IP = '127.0.3.2';
const DID = '5550170';
const KEY = '5';

interface Agent {
  number: string;
  secret: string;
  phone: TestPhone & { register(password: string, expires?: number): Promise<number> };
}

let app: TestApp;
let dbName: string;
let callee: TestPhone;
// Every prompt the engine starts (PlaybackStarted, seen through an ARI app of the test's own).
let prompts: Ari;
const played: string[] = [];
const agents = new Map<string, Agent>();

async function post<T = any>(path: string, body: unknown): Promise<T> {
  const res = await app.api('POST', path, { body });
  if (res.status !== 201 && res.status !== 200) throw new Error(`POST ${path}: ${res.status} ${res.text}`);
  return res.body as T;
}

async function createQueue(number: string, members: string[], callback: Record<string, unknown> = {}) {
  await post('/api/v1/queues', {
    number,
    name: `Callback test ${number}`,
    strategy: 'rrmemory',
    members: members.map((extension) => ({ extension })),
    ring_seconds: 10,
    retry_seconds: 1,
    join_when_empty: true,
    leave_when_empty: false,
    failover_destination: { type: 'hangup', target: '' },
    callback: { enabled: true, key: KEY, max_attempts: 2, retry_seconds: 10, ...callback },
  });
}

async function agent(number: string): Promise<Agent> {
  const found = agents.get(number);
  if (found) return found;
  const ext = await post('/api/v1/extensions', { number, display_name: `Agent ${number}` });
  const phone = await startPhone({ user: number, mode: 'answer', answerAfterMs: 300 });
  const a = { number, secret: ext.sip_secret as string, phone };
  agents.set(number, a);
  return a;
}

async function logIn(a: Agent): Promise<void> {
  expect(await a.phone.register(a.secret)).toBe(200);
}

async function callbacks(query = ''): Promise<any[]> {
  const res = await app.api('GET', `/api/v1/queues/callbacks${query}`, { token: app.tokens.supervisor });
  expect(res.status).toBe(200);
  return res.body as any[];
}

// A trunk caller who waits in the queue until Asterisk hangs up (or holdMs). (sipp's own
// "wait for the BYE" ending aborts on an unused variable in this sipp version, so the callers
// are told to hang up late, and Asterisk's BYE, which ends them first, is what the tests check.)
function waitingCaller(callerId: string, holdMs = 90_000): Promise<TrunkCallResult> {
  return callFromTrunk({ did: DID, callerId, hangup: 'caller', holdMs });
}

// A trunk caller who waits, presses the callback key, then answers the offer with `then`.
function callbackCaller(
  callerId: string,
  then: string,
  waitMs = 2500,
  gapMs = 600,
): Promise<TrunkCallResult> {
  return callFromTrunk({
    did: DID,
    callerId,
    digits: `${KEY}${then}`,
    waitBeforeDigitsMs: waitMs,
    gapMs,
    hangup: 'caller',
    holdMs: 40_000,
  });
}

async function queueEntries(queue: string): Promise<string[]> {
  const out = await asteriskCli(`queue show sb-queue-${queue}`);
  // "      1. PJSIP/... (wait: 0:03, prio: 0)"
  return [...out.matchAll(/^\s+\d+\. (\S+) \(wait/gm)].map((m) => m[1]!);
}

// An agent as app_queue shows it in the queue (device state, in call).
async function member(queue: string, ext: string): Promise<ShownMember | undefined> {
  const shown = parseQueueShow(await asteriskCli(`queue show sb-queue-${queue}`));
  return shown.get(`sb-queue-${queue}`)?.members.find((m) => m.extension === ext);
}

// With ringinuse off, app_queue rings no member whose phone is in use: while every agent of the
// queue is, no placeholder can reach an agent, and no number can be called back.
async function agentsInUse(queue: string, exts: string[]): Promise<boolean> {
  for (const ext of exts) if ((await member(queue, ext))?.deviceState !== 'In use') return false;
  return true;
}

async function channels(): Promise<Array<{ id: string; name: string; state: string }>> {
  return mainAri('GET', '/channels');
}

// Waits for a connected callback of the queue and hangs up Asterisk's leg to the number called.
async function hangUpOneCallee(queue: string): Promise<void> {
  const row = await waitFor(
    `a connected callback in ${queue}`,
    async () => (await callbacks(`?queue=${queue}&status=connected`)).at(-1),
    40_000,
  );
  await mainAri('DELETE', `/channels/sb-cb-${row.id}-${row.attempts}`);
}

async function sleep(ms: number) {
  await new Promise((r) => setTimeout(r, ms));
}

beforeAll(async () => {
  requireAsterisk();
  app = await startTestApp(LOGGED, { keepDatabase: true });
  dbName = app.dbName;
  callee = await startPhone({
    ip: CALLEE_IP,
    port: 5060,
    user: 'carrier',
    mode: 'answer',
    answerAfterMs: 500,
  });
  await createCallerTrunk(app, 'cb-callers');
  const out = await post('/api/v1/trunks', {
    name: 'cb-callee',
    kind: 'ip',
    host: CALLEE_IP,
    peer_addresses: [CALLEE_IP],
    qualify: false,
  });
  await post('/api/v1/outbound-routes', {
    name: 'cb-mobiles',
    patterns: ['_04XXXXXXXX'],
    class: 'national',
    trunk_ids: [out.id],
  });
  // Routes a fraudster would want, all to the same carrier: a dial through any of them would land
  // as an INVITE at the callee phone, where the tests count them.
  for (const [name, patterns, cls] of [
    ['cb-international', ['_00.'], 'international'],
    ['cb-premium', ['_0900XXXXXX'], 'premium'],
    ['cb-emergency', ['112'], 'emergency'],
  ] as const) {
    await post('/api/v1/outbound-routes', { name, patterns, class: cls, trunk_ids: [out.id] });
  }
  prompts = new Ari(
    {
      url: testEnv.ariUrl,
      username: testEnv.ariUsername,
      password: testEnv.ariPassword,
      app: `sb-test-prompts-${process.pid}`,
    },
    createLogger('silent'),
    ['PlaybackStarted'],
  );
  prompts.onEvent((_name, data) => {
    const pb = (data as { playback?: { id?: string; media_uri?: string } }).playback;
    if (pb?.id?.startsWith('sb-callback-') && pb.media_uri) played.push(pb.media_uri);
  });
  await prompts.startEvents();
  for (const n of ['2101', '2102', '2103', '2104']) await agent(n);
  await createQueue('710', ['2101']);
  await createQueue('711', ['2102', '2103']);
  // The supervising test keys in a number of its own.
  await createQueue('712', ['2104'], { allow_typed_numbers: true });
  // No agents: requests stay open, so the caps can be reached. 713 lets callers key in numbers,
  // 714 has the defaults (the caller's own number only).
  await createQueue('713', [], { allow_typed_numbers: true, max_pending: 3, max_per_caller_per_day: 2 });
  await createQueue('714', [], {});
  await post('/api/v1/inbound-routes', {
    name: 'cb-in',
    did: DID,
    destination: { type: 'queue', target: '710' },
  });
  // The writes were applied as they came; this waits for that and checks it went through.
  await app.applied();
});

afterEach(async () => {
  killAllSipp();
  callee.hangupAll();
  for (const a of agents.values()) a.phone.hangupAll();
  await hangUpChannels().catch(() => undefined);
});

afterAll(async () => {
  killAllSipp();
  await prompts?.stop();
  for (const a of agents.values()) {
    await a.phone.register(a.secret, 0).catch(() => 0);
    await a.phone.close();
  }
  await callee?.close();
  if (!app) return;
  try {
    for (const n of agents.keys()) await app.api('DELETE', `/api/v1/extensions/${n}`);
    await app.applyNow();
  } finally {
    await app.close();
    // The first instance kept the database for the restart; drop it through a last instance.
    if (dbName) await (await startTestApp({}, { dbName })).close();
  }
});

async function routeDidTo(queue: string) {
  const routes = (await app.api('GET', '/api/v1/inbound-routes')).body as any;
  const list = Array.isArray(routes) ? routes : routes.items;
  const route = list.find((r: any) => r.did === DID);
  const res = await app.api('PUT', `/api/v1/inbound-routes/${route.id}`, {
    body: { name: 'cb-in', did: DID, destination: { type: 'queue', target: queue } },
  });
  expect(res.status).toBe(200);
  await app.applied();
}

describe('queue callback with real calls', () => {
  it('keeps the caller’s place: behind two callers, the agent rings first, then the caller’s number, and both are bridged', async () => {
    const a = await agent('2101');
    // Nobody logged in yet: callers queue up (join when empty).
    const first = waitingCaller('0470000001');
    await waitFor(
      'the first caller in the queue',
      async () => (await queueEntries('710')).length === 1,
      20_000,
    );
    const second = waitingCaller('0470000002');
    await waitFor(
      'the second caller in the queue',
      async () => (await queueEntries('710')).length === 2,
      20_000,
    );
    const requester = callbackCaller('0470000003', '1#');

    const [request] = await waitFor(
      'the callback request to be stored and placed',
      async () => {
        const rows = await callbacks('?queue=710');
        return rows.length === 1 && rows[0].status === 'waiting' ? rows : null;
      },
      40_000,
    );
    expect(request).toMatchObject({ queue: '710', number: '0470000003', position: 3, attempts: 0 });
    // The caller was sent away (Asterisk hung up on them) after the confirmation.
    expect((await requester).requests).toContain('BYE');
    // The placeholder holds place 3, behind the two callers still waiting.
    const entries = await waitFor(
      'the placeholder at place 3',
      async () => {
        const e = await queueEntries('710');
        return e.length === 3 && e[2]!.startsWith('Local/') ? e : null;
      },
      10_000,
    );
    expect(entries[0]).toMatch(/^PJSIP\//);
    expect(entries[1]).toMatch(/^PJSIP\//);
    expect(callee.invites).toHaveLength(0);

    // The agent logs in and works through the line: the two callers first, each hung up by the agent.
    await logIn(a);
    for (const caller of ['0470000001', '0470000002']) {
      const invite = await waitFor(
        `the agent to be offered ${caller}`,
        async () => a.phone.invites.find((i) => i.fromNumber === caller),
        30_000,
      );
      await waitFor('the agent to answer', async () => a.phone.activeCalls().includes(invite.callId), 10_000);
      // The queue holds the agent in this call, so the callback cannot be offered to them
      // meanwhile; it still waits in line, never dialled.
      await waitFor(
        `the agent in use with ${caller} while the callback waits in line`,
        async () => {
          const [row] = await callbacks('?queue=710');
          return (
            (await agentsInUse('710', ['2101'])) &&
            row?.status === 'waiting' &&
            row.attempts === 0 &&
            (await queueEntries('710')).some((e) => e.startsWith('Local/'))
          );
        },
        10_000,
      );
      expect(callee.invites).toHaveLength(0);
      a.phone.hangup(invite.callId);
    }
    // Each was hung up by Asterisk once their call with the agent ended.
    expect((await first).requests).toContain('BYE');
    expect((await second).requests).toContain('BYE');

    // Now the callback's turn: the agent's phone rings with the number to call back…
    const agentLeg = await waitFor(
      'the agent to be offered the callback',
      async () => a.phone.invites.find((i) => i.fromNumber === '0470000003'),
      30_000,
    );
    // …and only once the agent answered is the caller's number dialled, through the trunk.
    const dial = await waitFor('the caller’s number to be dialled', async () => callee.invites[0], 30_000);
    expect(dial.user).toBe('0470000003');
    expect(dial.at).toBeGreaterThan(agentLeg.at);
    await waitFor('the callee to answer', async () => callee.activeCalls().length === 1, 10_000);

    // Asterisk has one mixing bridge holding the agent's side and the caller's channel.
    const bridge = await waitFor(
      'the callback bridge',
      async () => {
        const bridges = await mainAri<Array<{ id: string; channels: string[]; bridge_type: string }>>(
          'GET',
          '/bridges',
        );
        return bridges.find((b) => b.id === `sb-cb-bridge-${request.id}-1` && b.channels.length === 2);
      },
      10_000,
    );
    expect(bridge.bridge_type).toBe('mixing');
    expect(bridge.channels).toContain(`sb-cb-${request.id}-1`);
    expect(bridge.channels.some((c) => c.startsWith(`sb-cbw-${request.id}-`))).toBe(true);
    expect((await callbacks('?status=connected')).map((c) => c.id)).toEqual([request.id]);

    // The caller hangs up: the agent's call ends too and the request is done, dialled once.
    callee.hangupAll();
    await waitFor('the agent’s call to end', async () => a.phone.activeCalls().length === 0, 10_000);
    const [done] = await waitFor(
      'the request to be done',
      async () => {
        const rows = await callbacks('?queue=710&status=done');
        return rows.length === 1 ? rows : null;
      },
      10_000,
    );
    expect(done).toMatchObject({ id: request.id, attempts: 1, closed_by: 'switchboard' });
    expect(callee.invites).toHaveLength(1);
  });

  it('with two free agents and five pending callbacks, never more than two are in flight; all five are called once', async () => {
    await routeDidTo('711');
    const numbers = ['0470000011', '0470000012', '0470000013', '0470000014', '0470000015'];
    const before = callee.invites.length;
    // Five callers each leave a request (one after the other, so their places are 1..5).
    for (const n of numbers) {
      expect((await callbackCaller(n, '1#')).requests).toContain('BYE');
    }
    const waiting = await waitFor(
      'five placeholders in the queue',
      async () => {
        const rows = await callbacks('?queue=711&status=waiting');
        const e = await queueEntries('711');
        return rows.length === 5 && e.length === 5 ? rows : null;
      },
      30_000,
    );
    expect(waiting.map((r) => r.number).sort()).toEqual(numbers);

    const a2 = await agent('2102');
    const a3 = await agent('2103');
    let maxInFlight = 0;
    let maxOpen = 0;
    let maxCalleeUp = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const legs = (await channels()).filter((c) => /^sb-cb-\d+-\d+$/.test(c.id));
        // A leg Asterisk is still tearing down after its call ended (its request is done) is
        // listed for a moment next to the next callback's leg: in flight means the request is
        // being dialled or is connected.
        const open = new Set(
          (await callbacks('?queue=711'))
            .filter((r) => r.status === 'dialing_caller' || r.status === 'connected')
            .map((r) => r.id as number),
        );
        maxOpen = Math.max(maxOpen, open.size);
        const live = legs.filter((l) => open.has(Number(/^sb-cb-(\d+)-/.exec(l.id)?.[1])));
        maxInFlight = Math.max(maxInFlight, live.length);
        maxCalleeUp = Math.max(maxCalleeUp, callee.activeCalls().length);
        await sleep(150);
      }
    })();
    await logIn(a2);
    await logIn(a3);
    // The two agents take two callbacks; the others stay queued while both are busy.
    await waitFor(
      'two callbacks connected',
      async () => (await callbacks('?queue=711&status=connected')).length === 2,
      30_000,
    );
    // Both agents busy with those two (in use in the queue, so rung for nothing else) and the
    // three others waiting in line: no third callback can be in flight.
    await waitFor(
      'both agents in use and three placeholders still queued',
      async () =>
        (await agentsInUse('711', ['2102', '2103'])) &&
        (await callbacks('?queue=711&status=waiting')).length === 3 &&
        (await queueEntries('711')).length === 3,
      30_000,
    );
    expect(callee.invites.length - before).toBe(2);
    expect((await callbacks('?queue=711&status=waiting')).length).toBe(3);
    expect(await queueEntries('711')).toHaveLength(3);

    // Callers hang up one at a time (Asterisk's leg to them is hung up); each freed agent takes
    // the next callback.
    for (let finished = 1; finished <= 5; finished++) {
      await hangUpOneCallee('711');
      await waitFor(
        `${finished} callback(s) done`,
        async () => (await callbacks('?queue=711&status=done')).length >= finished,
        30_000,
      );
    }
    sampling = false;
    await sampler;
    expect(maxInFlight).toBeLessThanOrEqual(2);
    expect(maxOpen).toBeLessThanOrEqual(2);
    expect(maxCalleeUp).toBeLessThanOrEqual(2);
    const dialled = callee.invites.slice(before).map((i) => i.user);
    expect(dialled.sort()).toEqual(numbers);
    await a2.phone.register(a2.secret, 0);
    await a3.phone.register(a3.secret, 0);
  });

  it('a Switchboard restart with callbacks pending loses none and dials none twice, even one whose placeholder Asterisk lost', async () => {
    await routeDidTo('712');
    const numbers = ['0470000021', '0470000022', '0470000023'];
    const before = callee.invites.length;
    for (const n of numbers) expect((await callbackCaller(n, '1#')).requests).toContain('BYE');
    const placed = await waitFor(
      'three placeholders waiting',
      async () => {
        const rows = await callbacks('?queue=712&status=waiting');
        return rows.length === 3 ? rows : null;
      },
      30_000,
    );
    const channelOf = new Map<number, string>();
    for (const c of await channels()) {
      const m = /^sb-cbw-(\d+)-\d+$/.exec(c.id);
      if (m) channelOf.set(Number(m[1]), c.id);
    }
    expect(placed.every((r) => channelOf.has(r.id))).toBe(true);

    // Switchboard goes away; meanwhile Asterisk loses one placeholder.
    await app.close();
    const lost = placed.find((r) => r.number === '0470000022')!;
    await mainAri('DELETE', `/channels/${channelOf.get(lost.id)}`);
    app = await startTestApp(LOGGED, { dbName, keepDatabase: true });

    // The two live placeholders are adopted as they are; the lost one is queued again.
    await waitFor(
      'the lost placeholder to be replaced',
      async () => {
        const ids = (await channels()).map((c) => c.id);
        return ids.some((id) => id.startsWith(`sb-cbw-${lost.id}-`) && id !== channelOf.get(lost.id));
      },
      30_000,
    );
    const live = (await channels()).map((c) => c.id);
    for (const r of placed.filter((p) => p.id !== lost.id)) expect(live).toContain(channelOf.get(r.id));
    expect(await queueEntries('712')).toHaveLength(3);

    // An agent works through them: each number is dialled exactly once.
    const a4 = await agent('2104');
    await logIn(a4);
    for (let finished = 1; finished <= 3; finished++) {
      await hangUpOneCallee('712');
      await waitFor(
        `${finished} done after the restart`,
        async () => (await callbacks('?queue=712&status=done')).length >= finished,
        20_000,
      );
    }
    const dialled = callee.invites.slice(before).map((i) => i.user);
    expect(dialled.sort()).toEqual(numbers);
    await a4.phone.register(a4.secret, 0);
  });
});

describe('supervising callbacks', () => {
  it('a caller may key in another number; a supervisor lists and cancels the request, and nobody is called', async () => {
    await routeDidTo('712');
    const before = callee.invites.length;
    // Nobody logged in at 712 now: the request waits.
    expect((await callbackCaller('0470000031', '0470555555#1#')).requests).toContain('BYE');
    const [row] = await waitFor(
      'the request with the typed number',
      async () => {
        const rows = await callbacks('?queue=712&status=waiting');
        return rows.length === 1 ? rows : null;
      },
      30_000,
    );
    expect(row.number).toBe('0470555555');
    const placeholder = (await channels()).find((c) => c.id.startsWith(`sb-cbw-${row.id}-`));
    expect(placeholder).toBeDefined();

    expect(
      (await app.api('DELETE', `/api/v1/queues/callbacks/${row.id}`, { token: app.tokens.user })).status,
    ).toBe(403);
    const res = await app.api('DELETE', `/api/v1/queues/callbacks/${row.id}`, {
      token: app.tokens.supervisor,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: row.id, status: 'cancelled', closed_by: 'super' });
    await waitFor(
      'the placeholder to leave the queue',
      async () => (await queueEntries('712')).length === 0,
      10_000,
    );
    expect((await channels()).some((c) => c.id.startsWith(`sb-cbw-${row.id}-`))).toBe(false);
    const again = await app.api('DELETE', `/api/v1/queues/callbacks/${row.id}`, {
      token: app.tokens.supervisor,
    });
    expect(again.status).toBe(409);
    // The number is dialled only after a guarded waiting → dialing_caller step on the row; the row
    // is cancelled for good and no channel of the request is left, so no dial can come.
    await waitFor(
      'the request cancelled with no channel left',
      async () =>
        (await callbacks('?status=cancelled')).some((r) => r.id === row.id) &&
        !(await channels()).some(
          (c) => c.id.startsWith(`sb-cbw-${row.id}-`) || c.id.startsWith(`sb-cb-${row.id}-`),
        ),
      10_000,
    );
    expect(callee.invites.length).toBe(before);
    expect((await callbacks(`?status=cancelled`)).map((r) => r.id)).toContain(row.id);
  });

  it('refuses bad input with 400 and unknown requests with 404', async () => {
    for (const q of ['?status=bogus', '?queue=12a', '?queue=%0A', '?limit=0', '?limit=abc', '?other=1']) {
      const res = await app.api('GET', `/api/v1/queues/callbacks${q}`);
      expect([q, res.status]).toEqual([q, 400]);
    }
    for (const id of ['abc', '0', '-1', '1.5', '99999999999']) {
      const res = await app.api('DELETE', `/api/v1/queues/callbacks/${id}`);
      expect([id, res.status]).toEqual([id, 400]);
    }
    expect((await app.api('DELETE', '/api/v1/queues/callbacks/987654')).status).toBe(404);
    expect((await app.api('GET', '/api/v1/queues/callbacks', { token: app.tokens.user })).status).toBe(403);
  });
});

describe('toll fraud: an outside caller cannot make the PBX dial a paid number', () => {
  // What a refusal must leave: the caller hung up on after the prompt, no request stored, no leg
  // dialled (no sb-cb-<id>-<n> channel in Asterisk) and no INVITE at the carrier.
  // Quicker keys than the other tests: these calls only need the digits to arrive.
  const ask = (callerId: string, then: string) => callbackCaller(callerId, then, 2500, 300);

  async function refused(
    call: Promise<TrunkCallResult>,
    prompt: 'sound:cannot-complete-as-dialed' | 'sound:all-circuits-busy-now',
  ) {
    const heard = played.length;
    const invites = callee.invites.length;
    const rows = (await callbacks()).length;
    expect((await call).requests).toContain('BYE');
    expect(played.slice(heard)).toContain(prompt);
    expect((await callbacks()).length).toBe(rows);
    expect((await channels()).filter((c) => /^sb-cb-\d+-\d+$/.test(c.id))).toEqual([]);
    expect(callee.invites.length).toBe(invites);
  }

  it('refuses a typed international, premium or emergency number with a prompt, and originates nothing', async () => {
    await routeDidTo('713');
    await refused(ask('0470000041', '0044207946#'), 'sound:cannot-complete-as-dialed');
    await refused(ask('0470000042', '0900123456#'), 'sound:cannot-complete-as-dialed');
    await refused(ask('0470000043', '112#'), 'sound:cannot-complete-as-dialed');
    // A caller ID that is itself international is not called back either.
    await refused(ask('+442079460000', '0044207946#'), 'sound:cannot-complete-as-dialed');
  });

  it('without typed numbers only the caller ID is offered: a premium caller ID is refused, digits keyed in are ignored', async () => {
    await routeDidTo('714');
    await refused(ask('0900123456', '1#'), 'sound:cannot-complete-as-dialed');
    const heard = played.length;
    expect((await ask('0470000051', '0044207946#1#')).requests).toContain('BYE');
    const [row] = await waitFor(
      'the request for the caller’s own number',
      async () => {
        const rows = await callbacks('?queue=714');
        return rows.length === 1 ? rows : null;
      },
      10_000,
    );
    expect(row).toMatchObject({ number: '0470000051', caller: '0470000051' });
    // The keyed-in digits were refused as an answer (pbx-invalid), never offered as a number.
    expect(played.slice(heard)).toContain('sound:pbx-invalid');
    expect(played.slice(heard)).not.toContain('sound:vm-enter-num-to-call');
    expect((await app.api('DELETE', `/api/v1/queues/callbacks/${row.id}`)).status).toBe(200);
  });

  it('caps requests per number, per caller and per queue, each refused with a prompt', async () => {
    await routeDidTo('713');
    const stored = async (caller: string, then: string, number: string) => {
      expect((await ask(caller, then)).requests).toContain('BYE');
      return waitFor(
        `the request for ${number}`,
        async () => (await callbacks('?queue=713')).find((r) => r.number === number && r.caller === caller),
        10_000,
      );
    };
    const first = await stored('0470000061', '1#', '0470000061');
    // One open request per number, whoever asks.
    await refused(ask('0470000061', '1#'), 'sound:all-circuits-busy-now');
    await refused(ask('0470000062', '0470000061#1#'), 'sound:all-circuits-busy-now');
    await stored('0470000062', '0470000063#1#', '0470000063');
    await stored('0470000062', '0470000064#1#', '0470000064');
    // Three open in the queue: its cap.
    await refused(ask('0470000065', '1#'), 'sound:all-circuits-busy-now');
    expect((await app.api('DELETE', `/api/v1/queues/callbacks/${first.id}`)).status).toBe(200);
    // Room in the queue again, but 0470000062 has had its two requests today.
    await refused(ask('0470000062', '0470000066#1#'), 'sound:all-circuits-busy-now');
    await stored('0470000065', '1#', '0470000065');
    for (const r of await callbacks('?queue=713&status=waiting')) {
      await app.api('DELETE', `/api/v1/queues/callbacks/${r.id}`);
    }
  });

  it('the callback contexts themselves reach only the allowed classes’ routes', async () => {
    // Behind the engine's checks, the dialplan: originating straight into sb-cb-out-ln reaches a
    // national number's trunk, and no international, premium or emergency route.
    const dial = async (number: string) => {
      const id = `sb-test-cbout-${number}`;
      await mainAri(
        'POST',
        `/channels?endpoint=${encodeURIComponent(`Local/${number}@sb-cb-out-ln/n`)}&app=${prompts.options.app}&channelId=${id}&timeout=10`,
      );
      return id;
    };
    const before = callee.invites.length;
    for (const n of ['0044207946000', '0900123456', '112', '0570000000']) {
      const id = await dial(n);
      await waitFor(`${n} to be refused`, async () => !(await channels()).some((c) => c.id === id), 10_000);
    }
    expect(callee.invites.length).toBe(before);
    const id = await dial('0470000071');
    const invite = await waitFor('the national number to ring', async () => callee.invites[before], 10_000);
    expect(invite.user).toBe('0470000071');
    await mainAri('DELETE', `/channels/${id}`).catch(() => undefined);
  });
});
