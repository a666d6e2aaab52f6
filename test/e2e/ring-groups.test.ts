import { describeRun, killAllCarrierSipp } from '../carrier/sipp';
import { createExtensions, createInboundRoute, startTestApp, type TestApp } from '../support/app';
import { asteriskCli } from '../support/asterisk';
import { endCalls } from '../support/call-suite';
import { requireAsterisk } from '../support/env';
import {
  allAt,
  CANCEL,
  farEnd,
  INVITE,
  INVITE_OK,
  listening,
  phoneReady,
  registeredPhone,
  ringingPhone,
  seenAt,
  sipTimeline,
  type TimedRun,
} from '../support/ring-phone';
import { killAllSipp } from '../support/sip';
import { callFromTrunk, createCallerTrunk, createMobileCarrier } from '../support/trunk-caller';

// Ring groups with real parts: a carrier (sipp from 127.0.0.9 over an IP trunk) calls a DID whose
// inbound route leads to a ring group; the members are sipp phones registered as extensions
// 1002-1004, and a "mobile" behind a second IP trunk: a sipp UAS on 127.0.4.1 reached through an
// outbound route. Each sipp keeps a timestamped trace, so the order of INVITEs, CANCELs and
// answers is read from the phones' side.

const DID = '3225550170';
const FAR_END_IP = '127.0.4.1';
const MOBILE = '0470123456';

let app: TestApp;
let routeId: number;
const secrets = new Map<string, string>();

async function saveGroup(body: Record<string, unknown>): Promise<void> {
  const existing = await app.api('GET', `/api/v1/ring-groups/${body['number']}`);
  const res =
    existing.status === 200
      ? await app.api('PUT', `/api/v1/ring-groups/${body['number']}`, { body })
      : await app.api('POST', '/api/v1/ring-groups', { body });
  if (res.status !== 200 && res.status !== 201) throw new Error(`ring group: ${res.status} ${res.text}`);
}

async function routeTo(group: string): Promise<void> {
  const res = await app.api('PUT', `/api/v1/inbound-routes/${routeId}`, {
    body: { name: 'Main line', did: DID, destination: { type: 'ring-group', target: group } },
  });
  if (res.status !== 200) throw new Error(`route: ${res.status} ${res.text}`);
  await app.applied();
}

// Registers the phones first (from addresses of their own), then starts them: each rings until
// cancelled, or answers after answerAfterMs. Resolves once all are listening.
async function phones(
  specs: Array<[string, { answerAfterMs?: number; calls?: number }?]>,
): Promise<Array<Promise<TimedRun>>> {
  const registered = await Promise.all(
    specs.map(([number], i) => registeredPhone(number, secrets.get(number)!, `127.0.4.${11 + i}`)),
  );
  const runs = registered.map((p, i) => ringingPhone(p, { ...specs[i]![1], timeoutMs: 60_000 }));
  await Promise.all(registered.map((p) => phoneReady(p)));
  return runs;
}

beforeAll(async () => {
  requireAsterisk();
  app = await startTestApp();
  await createExtensions(app, ['1002', '1003', '1004'], { secrets });
  await createCallerTrunk(app);
  await createMobileCarrier(app, FAR_END_IP);
  await saveGroup({
    number: '600',
    name: 'Everyone',
    members: ['1002', '1003', '1004'].map((target) => ({ kind: 'extension', target })),
  });
  routeId = await createInboundRoute(app, 'Main line', DID, { type: 'ring-group', target: '600' });
  await app.applyNow();
}, 120_000);

afterEach(() => endCalls());

afterAll(async () => {
  killAllSipp();
  killAllCarrierSipp();
  await app?.close();
}, 60_000);

describe('ring groups on real calls', () => {
  it('ringall rings every member at once: all three INVITEs arrive before the one answer, then the others are cancelled', async () => {
    await saveGroup({
      number: '600',
      name: 'Everyone',
      strategy: 'ringall',
      ring_seconds: 20,
      caller_id_prefix: 'Sales: ',
      members: ['1002', '1003', '1004'].map((target) => ({ kind: 'extension', target })),
    });
    await routeTo('600');
    const rung = await phones([['1002'], ['1003'], ['1004', { answerAfterMs: 2_500 }]]);
    const call = await callFromTrunk({ did: DID, hangup: 'caller', holdMs: 1_500 });
    const [p2, p3, p4] = await Promise.all(rung);
    const answered = seenAt(p4!, 'out', INVITE_OK, '1004 answer');
    if (!call.ok) throw new Error(describeRun('trunk call', call));
    const invites = [p2!, p3!, p4!].map((p, i) => seenAt(p, 'in', INVITE, `INVITE to 100${i + 2}`));
    // Each phone's SIP timeline, relative to the answer, says which leg was late and how.
    const timelines = [p2!, p3!, p4!].map((p, i) =>
      [`100${i + 2}:`, ...p.events.map((e) => `${e.at - answered} ms ${e.dir} ${e.first}`)].join('\n  '),
    );
    expect({ late: invites.filter((t) => t >= answered).length, timelines }).toMatchObject({ late: 0 });
    // Rung together: within a second of each other, and 1004 answered 2.5 s after its INVITE.
    expect(Math.max(...invites) - Math.min(...invites)).toBeLessThan(1_000);
    for (const p of [p2!, p3!])
      expect(seenAt(p, 'in', CANCEL, 'CANCEL')).toBeGreaterThanOrEqual(answered - 50);
    // The caller ID name prefix reached the phones.
    expect(p4!.messages).toMatch(/From: "Sales:/);
  }, 90_000);

  it('hunt rings the members one after the other, each for the ring time', async () => {
    await saveGroup({
      number: '601',
      name: 'Hunt',
      strategy: 'hunt',
      ring_seconds: 5,
      members: ['1002', '1003', '1004'].map((target) => ({ kind: 'extension', target })),
    });
    await routeTo('601');
    const rung = await phones([['1002'], ['1003'], ['1004', { answerAfterMs: 1_000 }]]);
    const call = await callFromTrunk({ did: DID, hangup: 'caller', holdMs: 1_500, answerTimeoutMs: 30_000 });
    const [p2, p3, p4] = await Promise.all(rung);
    if (!call.ok) throw new Error(describeRun('trunk call', call));
    const inv2 = seenAt(p2!, 'in', INVITE, '1002 INVITE');
    const can2 = seenAt(p2!, 'in', CANCEL, '1002 CANCEL');
    const inv3 = seenAt(p3!, 'in', INVITE, '1003 INVITE');
    const can3 = seenAt(p3!, 'in', CANCEL, '1003 CANCEL');
    const inv4 = seenAt(p4!, 'in', INVITE, '1004 INVITE');
    expect(can2 - inv2).toBeGreaterThan(4_000);
    expect(inv3).toBeGreaterThanOrEqual(can2 - 50);
    expect(can3 - inv3).toBeGreaterThan(4_000);
    expect(inv4).toBeGreaterThanOrEqual(can3 - 50);
  }, 90_000);

  it('memoryhunt rings the first, then the first two, then all three', async () => {
    await saveGroup({
      number: '602',
      name: 'Memory',
      strategy: 'memoryhunt',
      ring_seconds: 5,
      members: ['1002', '1003', '1004'].map((target) => ({ kind: 'extension', target })),
    });
    await routeTo('602');
    const rung = await phones([
      ['1002', { calls: 3 }],
      ['1003', { calls: 2 }],
      ['1004', { answerAfterMs: 1_000 }],
    ]);
    const call = await callFromTrunk({ did: DID, hangup: 'caller', holdMs: 1_000, answerTimeoutMs: 30_000 });
    const [p2, p3, p4] = await Promise.all(rung);
    if (!call.ok) throw new Error(describeRun('trunk call', call));
    const i2 = allAt(p2!, 'in', INVITE);
    const i3 = allAt(p3!, 'in', INVITE);
    const i4 = allAt(p4!, 'in', INVITE);
    expect([i2.length, i3.length, i4.length]).toEqual([3, 2, 1]);
    // Step 2 rings 1002 and 1003 together, step 3 all three.
    expect(Math.abs(i2[1]! - i3[0]!)).toBeLessThan(1_000);
    expect(Math.abs(i2[2]! - i4[0]!)).toBeLessThan(1_000);
    expect(i3[0]! - i2[0]!).toBeGreaterThan(4_000);
  }, 90_000);

  it('an external member with confirm is connected only after pressing 1; the extensions ring meanwhile', async () => {
    await saveGroup({
      number: '603',
      name: 'With mobile',
      strategy: 'ringall',
      ring_seconds: 25,
      members: [
        { kind: 'extension', target: '1002' },
        { kind: 'external', target: MOBILE, confirm: true },
      ],
    });
    await routeTo('603');
    const [desk] = await phones([['1002']]);
    const mobile = farEnd({
      ip: FAR_END_IP,
      mediaPort: 26_100,
      digits: '1',
      leadMs: 2_500,
      timeoutMs: 40_000,
    });
    await listening(FAR_END_IP, 5060);
    const call = await callFromTrunk({ did: DID, hangup: 'caller', holdMs: 2_000, answerTimeoutMs: 30_000 });
    const [d, m] = await Promise.all([desk!, mobile]);
    if (!call.ok) throw new Error(describeRun('trunk call', call));
    const mobileAnswered = seenAt(m, 'out', INVITE_OK, 'mobile 200');
    // The caller was answered (connected) only after the mobile's 1, keyed 2.5 s after its answer.
    const callerConnected = seenAt(
      { ...call, events: sipTimeline(call.messages) },
      'in',
      INVITE_OK,
      'caller 200',
    );
    expect(callerConnected - mobileAnswered).toBeGreaterThan(2_000);
    // The desk phone was cancelled only once the 1 arrived (2.5 s after the mobile answered).
    const deskCancelled = seenAt(d, 'in', CANCEL, 'desk CANCEL');
    expect(deskCancelled - mobileAnswered).toBeGreaterThan(2_000);
    // The mobile leg stayed up until the caller hung up: Asterisk's BYE came after the hold.
    expect(m.requests).toContain('BYE');
    const plan = await asteriskCli('dialplan show 603@sb-dest-ring-group');
    expect(plan).toContain(`Local/${MOBILE}@sb-confirm-external/n`);
  }, 90_000);

  it('an external member that does not press 1 (a voicemail answering) is not connected: the call fails over', async () => {
    await saveGroup({
      number: '604',
      name: 'Mobile only',
      strategy: 'ringall',
      ring_seconds: 25,
      members: [{ kind: 'external', target: MOBILE, confirm: true }],
      failover_destination: { type: 'extension', target: '1004' },
    });
    await routeTo('604');
    const mobile = farEnd({
      ip: FAR_END_IP,
      mediaPort: 26_120,
      digits: '2',
      leadMs: 2_000,
      timeoutMs: 40_000,
    });
    await listening(FAR_END_IP, 5060);
    const [failover] = await phones([['1004', { answerAfterMs: 500 }]]);
    const call = await callFromTrunk({ did: DID, hangup: 'caller', holdMs: 1_500, answerTimeoutMs: 30_000 });
    const [m, f] = await Promise.all([mobile, failover!]);
    if (!call.ok) throw new Error(describeRun('trunk call', call));
    // The mobile was hung up right after its 2, and the caller went on to the failover 1004.
    const mobileBye = seenAt(m, 'in', /^BYE /, 'mobile BYE');
    const failoverInvite = seenAt(f, 'in', INVITE, 'failover INVITE');
    expect(failoverInvite).toBeGreaterThanOrEqual(mobileBye - 50);
    expect(mobileBye - seenAt(m, 'out', INVITE_OK, 'mobile 200')).toBeLessThan(6_000);
  }, 90_000);
});
