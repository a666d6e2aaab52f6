import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CARRIER_SCENARIOS, describeRun, killAllCarrierSipp, runSipp } from '../carrier/sipp';
import { startTestApp, type TestApp } from '../support/app';
import { asteriskCli, mainAri } from '../support/asterisk';
import { CARRIERS, type Carrier, type InboundCall, type InboundFate, startCarrier } from '../support/carrier';
import { remoteAsteriskEnv, requireAsterisk, testEnv } from '../support/env';
import {
  answerCalls,
  describeResult,
  killAllSipp,
  type Phone,
  phoneFor,
  placeCall,
  register,
  type SippHandle,
  succeeded,
} from '../support/sip';

// SIP trunks, outbound and inbound routes and classes of service, end to end: Switchboard's
// Asterisk against a second Asterisk playing two carriers (test/support/carrier.ts):
//   carrier A 127.0.0.2:5060 (sb-a / carrier-pass-a), carrier B 127.0.0.3:5060 (sb-b /
//   carrier-pass-b), and 127.0.0.4, an address no trunk knows.
// Extensions are sipp phones on 127.0.0.1; the carrier records every call Switchboard sends it.

const INTL_NUMBER = '0032987654321'; // dialled by the phone
const INTL_E164 = '+32987654321'; // what the carrier must receive: strip 2, prepend +
const ROUTE_CALLER_ID = '+3225550100';
const DID = '3225550123';

// 1001 may call abroad; 1002 answers inbound calls; 1003 has the default classes (no
// international); 1004 is internal only.
const EXTENSIONS = {
  '1001': {
    display_name: 'Intl Caller',
    classes: ['internal', 'local', 'national', 'international', 'emergency'],
  },
  '1002': { display_name: 'Reception' },
  '1003': { display_name: 'Default Classes' },
  '1004': { display_name: 'Internal Only', classes: ['internal'] },
} as const;
type Number_ = keyof typeof EXTENSIONS;

let app: TestApp;
let carrier: Carrier;
const secrets = new Map<string, string>();
const trunkIds: Record<string, number> = {};
const created = {
  outbound: [] as number[],
  inbound: [] as number[],
  blocked: [] as number[],
  trunks: [] as number[],
};
let lastRevisionChecked = 0;

beforeAll(async () => {
  requireAsterisk();
  carrier = await startCarrier();
  // As if on another host than Asterisk (AMI over TLS and ARI only, no CLI): this area's real
  // calls prove the network control; its src/ suite keeps proving the local CLI.
  app = await startTestApp({ ...remoteAsteriskEnv() });
  lastRevisionChecked = await latestRevisionId();
  for (const [number, fields] of Object.entries(EXTENSIONS)) {
    const res = await app.api('POST', '/api/v1/extensions', { body: { number, ...fields } });
    if (res.status !== 201) throw new Error(`creating extension ${number}: ${res.status} ${res.text}`);
    secrets.set(number, res.body.sip_secret);
  }
  await apply();
}, 300_000);

afterEach(async () => {
  killAllSipp();
  killAllCarrierSipp();
  await carrier?.hangupAll().catch(() => undefined);
  if (app) await hangUpOurChannels().catch(() => undefined);
  await carrier?.reset().catch(() => undefined);
});

afterAll(async () => {
  killAllSipp();
  killAllCarrierSipp();
  try {
    if (app) {
      // Through Switchboard, so it also removes what it pushed into Asterisk's memory (that would
      // outlive this test's database) and stops the trunks' registrations.
      for (const id of created.outbound) await app.api('DELETE', `/api/v1/outbound-routes/${id}`);
      for (const id of created.inbound) await app.api('DELETE', `/api/v1/inbound-routes/${id}`);
      for (const id of created.blocked) await app.api('DELETE', `/api/v1/blocked-callers/${id}`);
      for (const id of created.trunks) await app.api('DELETE', `/api/v1/trunks/${id}`);
      for (const number of Object.keys(EXTENSIONS)) await app.api('DELETE', `/api/v1/extensions/${number}`);
      await app.applyNow().catch(() => undefined);
    }
  } finally {
    await app?.close();
    await carrier?.stop();
  }
}, 120_000);

describe('SIP trunks against a carrier', () => {
  it('registers a registration trunk: the carrier holds the contact and the API says registered', async () => {
    trunkIds['a'] = await createTrunk({ name: 'carrier-a', ...registrationTrunk('a') });
    trunkIds['b'] = await createTrunk({ name: 'carrier-b', ...registrationTrunk('b') });
    await apply();

    for (const name of ['a', 'b'] as const) {
      const contacts = await waitFor(
        `Switchboard to register at carrier ${name.toUpperCase()}`,
        async () => {
          const c = await carrier.registrationsAt(name);
          return c.length > 0 ? c : undefined;
        },
        { timeoutMs: 20_000 },
      );
      // Switchboard registers from its own address.
      expect(contacts[0]).toMatch(/@127\.0\.0\.1(:5060)?[;>]?/);
      const status = await waitFor(
        `GET /api/v1/trunks/${trunkIds[name]} to say registered`,
        async () => {
          const res = await app.api('GET', `/api/v1/trunks/${trunkIds[name]}`);
          if (res.body?.status?.registration === 'registered') return res.body;
          throw new Error(`${res.status} ${JSON.stringify(res.body?.status ?? res.body)}`);
        },
        { timeoutMs: 20_000 },
      );
      expect(status.status).toMatchObject({ registration: 'registered' });
      expect(status).not.toHaveProperty('password');
      expect(JSON.stringify(status)).not.toContain(CARRIERS[name].password);
    }
  }, 60_000);

  it('reports a wrong password as rejected, with the reason', async () => {
    const id = await createTrunk({
      name: 'carrier-wrong',
      ...registrationTrunk('a'),
      password: 'not-the-password',
      // Keep the identify of carrier A's address unambiguous: this trunk never carries calls.
      peer_addresses: ['127.0.0.5'],
    });
    await apply();
    const body = await waitFor(
      'the wrong-password trunk to be rejected',
      async () => {
        const res = await app.api('GET', `/api/v1/trunks/${id}`);
        if (res.body?.status?.registration === 'rejected') return res.body;
        throw new Error(`${res.status} ${JSON.stringify(res.body?.status ?? res.body)}`);
      },
      { timeoutMs: 20_000 },
    );
    expect(typeof body.status.reason).toBe('string');
    expect(body.status.reason.length).toBeGreaterThan(0);
    expect(JSON.stringify(body)).not.toContain('not-the-password');
    // Carrier A still holds exactly the good trunk's registration.
    expect(await carrier.registrationsAt('a')).toHaveLength(1);

    expect((await app.api('DELETE', `/api/v1/trunks/${id}`)).status).toBe(204);
    created.trunks = created.trunks.filter((t) => t !== id);
    await apply();
  }, 60_000);
});

describe('outbound routes and classes of service', () => {
  it('sends an international call from 1001 out of carrier A with the route caller ID, number in E.164', async () => {
    requireTrunks();
    created.outbound.push(
      await createOutboundRoute({
        name: 'International',
        patterns: ['_00.'],
        strip: 2,
        prepend: '+',
        caller_id_number: ROUTE_CALLER_ID,
        class: 'international',
        trunk_ids: [trunkIds['a'], trunkIds['b']],
      }),
    );
    await apply();

    const before = await carrier.calls();
    const caller = await registeredPhone('1001');
    const call = placeCall(caller, INTL_NUMBER, { talkMs: 3_000 });
    await waitFor(
      'the call to reach the carrier',
      async () => ((await carrier.calls()) > before ? true : undefined),
      {
        timeoutMs: 15_000,
        phones: [call],
        onTimeout: diagnostics,
      },
    );
    expect(await carrier.last()).toEqual({ endpoint: 'sb-a', number: INTL_E164, callerId: ROUTE_CALLER_ID });
    expect(await carrier.lastAddress()).toBe('127.0.0.2:5060');
    // Answered by the carrier, talked, hung up by the caller: both 200.
    await succeeded(call);
    expect(await carrier.calls()).toBe(before + 1);
  }, 60_000);

  it('fails over to carrier B when carrier A refuses the call (503)', async () => {
    requireRoute();
    await carrier.rejectCalls('a', 34); // 34 = congestion, sent as 503
    const before = await carrier.calls();
    const caller = await registeredPhone('1001');
    const call = placeCall(caller, INTL_NUMBER, { talkMs: 3_000 });
    await waitFor(
      'the call to reach carrier B',
      async () => ((await carrier.last())?.endpoint === 'sb-b' ? true : undefined),
      {
        timeoutMs: 15_000,
        phones: [call],
        onTimeout: diagnostics,
      },
    );
    expect(await carrier.last()).toEqual({ endpoint: 'sb-b', number: INTL_E164, callerId: ROUTE_CALLER_ID });
    expect(await carrier.lastAddress()).toBe('127.0.0.3:5060');
    // A was tried first, then B: the route's trunk order.
    expect((await carrier.log()).map((c) => c.endpoint)).toEqual(['sb-a', 'sb-b']);
    await succeeded(call);
    expect(await carrier.calls()).toBe(before + 2);
  }, 60_000);

  it('fails over to the next trunk when the first points at a dead address', async () => {
    requireTrunks();
    // An IP trunk at a port nobody listens on (ICMP port unreachable, or silence), then carrier B.
    const dead = await createTrunk({
      name: 'carrier-dead',
      kind: 'ip',
      host: '127.0.0.2',
      port: 5099,
      transport: 'udp',
      from_user: 'sb-a',
      from_domain: '127.0.0.2',
      peer_addresses: ['127.0.0.6'],
      codecs: ['ulaw', 'alaw'],
      max_channels: 0,
      dtmf_mode: 'rfc4733',
      qualify: true,
      number_format: 'as_dialled',
    });
    // A prefix of its own so no earlier route matches first: 8 + the international number.
    created.outbound.push(
      await createOutboundRoute({
        name: 'Dead first',
        patterns: ['_8.'],
        strip: 1,
        prepend: '+',
        caller_id_number: ROUTE_CALLER_ID,
        class: 'national',
        trunk_ids: [dead, trunkIds['b']],
      }),
    );
    await apply();
    // Qualify finds the trunk dead (no answer to its OPTIONS within qualify_timeout); from then on
    // Dial skips it at once instead of waiting out SIP's 32 s INVITE timeout, which no caller
    // would sit through. Wait for Asterisk's own verdict on the contact, then the API's.
    await waitFor(
      "Asterisk to mark the dead trunk's contact Unavail",
      async () => {
        const out = await asteriskCli('pjsip show contacts');
        const line = out.split('\n').find((l) => l.includes('trunk-carrier-dead/'));
        if (line && /Unavail/.test(line)) return true;
        throw new Error(line?.trim() ?? 'no contact for trunk-carrier-dead');
      },
      { timeoutMs: 40_000 },
    );
    await waitFor(
      'the dead trunk to be reported unreachable',
      async () => {
        const res = await app.api('GET', `/api/v1/trunks/${dead}`);
        if (res.body?.status?.reachability === 'unreachable') return true;
        throw new Error(`${res.status} ${JSON.stringify(res.body?.status ?? res.body)}`);
      },
      { timeoutMs: 5_000 },
    );

    const before = await carrier.calls();
    const caller = await registeredPhone('1001');
    const call = placeCall(caller, `8${INTL_E164.slice(1)}`, { talkMs: 3_000 });
    await waitFor(
      'the call to reach carrier B',
      async () => ((await carrier.last())?.endpoint === 'sb-b' ? true : undefined),
      {
        timeoutMs: 15_000,
        phones: [call],
        onTimeout: diagnostics,
      },
    );
    expect(await carrier.last()).toEqual({ endpoint: 'sb-b', number: INTL_E164, callerId: ROUTE_CALLER_ID });
    expect(await carrier.calls()).toBe(before + 1);
    await succeeded(call);
  }, 120_000);

  it('fails over to carrier B once carrier A has max_channels calls up', async () => {
    requireRoute();
    const a = await app.api('GET', `/api/v1/trunks/${trunkIds['a']}`);
    expect(a.status).toBe(200);
    const put = await app.api('PUT', `/api/v1/trunks/${trunkIds['a']}`, {
      body: { ...registrationTrunk('a'), max_channels: 1 },
    });
    expect(put.status).toBe(200);
    await apply();
    try {
      const first = placeCall(await registeredPhone('1001'), INTL_NUMBER, { talkMs: 12_000 });
      await waitFor(
        'the first call to be up at carrier A',
        async () => ((await carrier.last())?.endpoint === 'sb-a' ? true : undefined),
        { timeoutMs: 15_000, phones: [first], onTimeout: diagnostics },
      );
      const second = placeCall(await registeredPhone('1001'), INTL_NUMBER, { talkMs: 2_000 });
      await waitFor(
        'the second call to reach carrier B',
        async () => ((await carrier.last())?.endpoint === 'sb-b' ? true : undefined),
        { timeoutMs: 15_000, phones: [second], onTimeout: diagnostics },
      );
      expect((await carrier.log()).map((c) => c.endpoint)).toEqual(['sb-a', 'sb-b']);
      await succeeded(second);
      await succeeded(first);
    } finally {
      await app.api('PUT', `/api/v1/trunks/${trunkIds['a']}`, { body: registrationTrunk('a') });
      await apply();
    }
  }, 90_000);

  it('refuses an international call from an extension without the class: no carrier call, refusal to the caller', async () => {
    requireRoute();
    const before = await carrier.calls();
    const phone = await phoneFor('1003', secret('1003'));
    const run = await runSipp({
      target: `127.0.0.1:${testEnv.sipPort}`,
      scenario: join(CARRIER_SCENARIOS, 'call-refused.xml'),
      args: [
        '-m',
        '1',
        '-key',
        'caller',
        '1003',
        '-au',
        '1003',
        '-ap',
        secret('1003'),
        '-s',
        INTL_NUMBER,
        '-aa',
      ],
      localPort: phone.sipPort,
      mediaPort: phone.mediaPort,
      timeoutMs: 40_000,
    });
    const why = describeRun('1003 calls abroad', run);
    // call-refused.xml exits 0 only for a refusal status, or a 200 (the refusal announcement)
    // followed by the PBX's own BYE.
    expect({ code: run.code, why }).toMatchObject({ code: 0 });
    const final = run.responses.filter((c) => c >= 200).at(-1);
    const refused = final !== undefined && final >= 400;
    const announced = final === 200 && run.requests.includes('BYE');
    expect({ refused, announced, why }).toMatchObject(refused ? { refused: true } : { announced: true });
    expect(await carrier.calls()).toBe(before);
  }, 60_000);

  it('lets an internal-only extension call the emergency number', async () => {
    requireTrunks();
    created.outbound.push(
      await createOutboundRoute({
        name: 'Emergency',
        patterns: ['_112'],
        strip: 0,
        prepend: '',
        caller_id_number: null,
        class: 'emergency',
        trunk_ids: [trunkIds['a'], trunkIds['b']],
      }),
    );
    await apply();
    const before = await carrier.calls();
    const call = placeCall(await registeredPhone('1004'), '112', { talkMs: 2_000 });
    await waitFor(
      'the emergency call to reach the carrier',
      async () => ((await carrier.calls()) > before ? true : undefined),
      { timeoutMs: 15_000, phones: [call], onTimeout: diagnostics },
    );
    const last = await carrier.last();
    expect(last).toMatchObject({ endpoint: 'sb-a', number: '112' });
    expect(last?.callerId).not.toBe('');
    await succeeded(call);
  }, 60_000);

  it('still refuses 1004 a number outside its classes', async () => {
    requireRoute();
    const before = await carrier.calls();
    const phone = await phoneFor('1004', secret('1004'));
    const run = await runSipp({
      target: `127.0.0.1:${testEnv.sipPort}`,
      scenario: join(CARRIER_SCENARIOS, 'call-refused.xml'),
      args: [
        '-m',
        '1',
        '-key',
        'caller',
        '1004',
        '-au',
        '1004',
        '-ap',
        secret('1004'),
        '-s',
        INTL_NUMBER,
        '-aa',
      ],
      localPort: phone.sipPort,
      mediaPort: phone.mediaPort,
      timeoutMs: 40_000,
    });
    expect({ code: run.code, why: describeRun('1004 calls abroad', run) }).toMatchObject({ code: 0 });
    expect(await carrier.calls()).toBe(before);
  }, 60_000);
});

describe('inbound routes', () => {
  let reception: Phone;

  it('delivers a call from carrier A to DID 3225550123 to extension 1002', async () => {
    requireTrunks();
    created.inbound.push(
      await createInboundRoute({
        name: 'Main number',
        did: DID,
        caller_id: null,
        destination: { type: 'extension', target: '1002' },
        caller_id_name_prefix: '',
      }),
    );
    await apply();

    const before = await carrier.calls();
    reception = await registeredPhone('1002');
    const answering = await answerCalls(reception, { timeoutMs: 40_000 });
    const call = await carrier.originateInbound({ did: DID, callerId: '0471234567', via: 'a' });
    await answeredOrExplain(call, [answering]);
    await call.hangup();
    const result = await succeeded(answering);
    // The caller's number reached the phone.
    expect(result.messages).toMatch(/^From:.*0471234567/m);
    expect(await carrier.calls()).toBe(before); // no leg went back out to a carrier
  }, 60_000);

  it('rejects a blocklisted caller and still answers others', async () => {
    requireInbound();
    const blocked = await app.api('POST', '/api/v1/blocked-callers', {
      body: { pattern: '_0477XXXXXX', action: 'hangup' },
    });
    expect({ status: blocked.status, body: blocked.body }).toMatchObject({ status: 201 });
    created.blocked.push(blocked.body.id);
    const busy = await app.api('POST', '/api/v1/blocked-callers', {
      body: { pattern: '0488000000', action: 'busy' },
    });
    expect({ status: busy.status, body: busy.body }).toMatchObject({ status: 201 });
    created.blocked.push(busy.body.id);
    await apply();

    const phone = await registeredPhone('1002');
    const answering = await answerCalls(phone, { timeoutMs: 50_000 });

    const refused = await carrier.originateInbound({ did: DID, callerId: '0477123456', via: 'a' });
    const fate = await expectRefused(refused, 'a call from blocklisted 0477123456');
    expect(fate.answered).toBe(false);
    const busyCall = await carrier.originateInbound({ did: DID, callerId: '0488000000', via: 'a' });
    const busyFate = await expectRefused(busyCall, 'a call from blocklisted (busy) 0488000000');
    expect(busyFate.answered).toBe(false);
    expect({ cause: busyFate.cause, text: busyFate.causeText }).toMatchObject({ cause: 17 }); // 486 busy
    // The phone never rang.
    expect(answering.result).toBeNull();
    expect(await mainChannels('PJSIP/1002-')).toEqual([]);

    // Control: the same DID from another caller rings through.
    const allowed = await carrier.originateInbound({ did: DID, callerId: '0470000001', via: 'a' });
    await answeredOrExplain(allowed, [answering]);
    await allowed.hangup();
    await succeeded(answering);
  }, 60_000);

  it('rejects a call from an address no trunk knows (127.0.0.4), with no outbound leg', async () => {
    requireInbound();
    const before = await carrier.calls();
    const phone = await registeredPhone('1002');
    const answering = await answerCalls(phone, { timeoutMs: 40_000 });
    const call = await carrier.originateInbound({ did: DID, callerId: '0470000002', via: 'x' });
    const fate = await expectRefused(call, 'a call from 127.0.0.4');
    expect(fate.answered).toBe(false);
    expect(answering.result).toBeNull();
    expect(await mainChannels('PJSIP/1002-')).toEqual([]);
    // No outbound leg can still be on its way: a leg to a carrier is a channel on Switchboard's
    // Asterisk until it ends (and the carrier counts it on arrival), and none is left.
    await waitFor('Switchboard’s Asterisk to hold no channel', async () =>
      (await mainAri<AriChannel[]>('GET', '/channels')).length === 0 ? true : undefined,
    );
    expect(await carrier.calls()).toBe(before);

    // Control: the same call from carrier A's address is answered.
    const control = await carrier.originateInbound({ did: DID, callerId: '0470000002', via: 'a' });
    await answeredOrExplain(control, [answering]);
    await control.hangup();
    await succeeded(answering);
  }, 60_000);

  it('forwards a DID whose destination is an external number out through the outbound routes', async () => {
    requireInbound();
    requireRoute();
    const forwardDid = '3225550188';
    created.inbound.push(
      await createInboundRoute({
        name: 'Forward abroad',
        did: forwardDid,
        destination: { type: 'external', target: INTL_NUMBER },
      }),
    );
    await apply();
    const before = await carrier.calls();
    const call = await carrier.originateInbound({ did: forwardDid, callerId: '0470000003', via: 'b' });
    await answeredOrExplain(call, []);
    // The admin's number went out of the international route's first trunk, in its format.
    expect(await carrier.calls()).toBe(before + 1);
    expect(await carrier.last()).toMatchObject({ endpoint: 'sb-a', number: INTL_E164 });
    await call.hangup();
  }, 60_000);
});

// ---------------------------------------------------------------- helpers

function registrationTrunk(name: 'a' | 'b') {
  const c = CARRIERS[name];
  return {
    kind: 'registration',
    host: c.host,
    port: c.port,
    transport: 'udp',
    username: c.username,
    password: c.password,
    from_user: c.username,
    from_domain: c.host,
    registration_expiry: 120,
    retry_interval: 10,
    codecs: ['ulaw', 'alaw'],
    max_channels: 0,
    dtmf_mode: 'rfc4733',
    qualify: true,
    number_format: 'as_dialled',
  };
}

async function createTrunk(body: Record<string, unknown>): Promise<number> {
  const res = await app.api('POST', '/api/v1/trunks', { body });
  if (res.status !== 201) throw new Error(`POST /api/v1/trunks ${body['name']}: ${res.status} ${res.text}`);
  expect(res.body).not.toHaveProperty('password');
  created.trunks.push(res.body.id);
  return res.body.id;
}

async function createOutboundRoute(body: Record<string, unknown>): Promise<number> {
  const res = await app.api('POST', '/api/v1/outbound-routes', { body });
  if (res.status !== 201)
    throw new Error(`POST /api/v1/outbound-routes ${body['name']}: ${res.status} ${res.text}`);
  return res.body.id;
}

async function createInboundRoute(body: Record<string, unknown>): Promise<number> {
  const res = await app.api('POST', '/api/v1/inbound-routes', { body });
  if (res.status !== 201)
    throw new Error(`POST /api/v1/inbound-routes ${body['name']}: ${res.status} ${res.text}`);
  return res.body.id;
}

// The tests build on each other (trunks, then routes); say so plainly when an earlier one failed.
function requireTrunks(): void {
  if (!trunkIds['a'] || !trunkIds['b']) throw new Error('no trunks: the registration test failed first');
}
function requireRoute(): void {
  requireTrunks();
  if (created.outbound.length === 0)
    throw new Error('no international route: the outbound test failed first');
}
function requireInbound(): void {
  requireTrunks();
  if (created.inbound.length === 0) throw new Error('no inbound route: the inbound test failed first');
}

function secret(number: string): string {
  const s = secrets.get(number);
  if (!s) throw new Error(`extension ${number} was not created`);
  return s;
}

async function registeredPhone(number: Number_): Promise<Phone> {
  const phone = await phoneFor(number, secret(number));
  await succeeded(register(phone));
  return phone;
}

async function latestRevisionId(): Promise<number> {
  const res = await app.api('GET', '/api/v1/apply?limit=1');
  return res.body.latest?.id ?? 0;
}

// Applies now and fails on any failed revision since the last check, with Asterisk's words.
async function apply(): Promise<void> {
  const forced = await app.applyNow();
  const res = await app.api<{ items: Array<{ id: number; status: string; error: string | null }> }>(
    'GET',
    '/api/v1/apply?limit=200',
  );
  const failed = res.body.items.filter((r) => r.id > lastRevisionChecked && r.status === 'failed');
  lastRevisionChecked = Math.max(lastRevisionChecked, ...res.body.items.map((r) => r.id));
  expect(failed).toEqual([]);
  expect(['succeeded', 'unchanged']).toContain(forced.status);
}

async function answeredOrExplain(call: InboundCall, phones: SippHandle[]): Promise<void> {
  try {
    await call.answered(15_000);
  } catch (err) {
    const gone = phones.find((p) => p.result !== null);
    throw new Error(
      `${(err as Error).message}${gone?.result ? `\n${describeResult(gone.result)}` : ''}\n${await diagnostics()}`,
    );
  }
}

// The call must end unanswered; if Switchboard answers it, fail at once and say so.
async function expectRefused(call: InboundCall, what: string): Promise<InboundFate> {
  try {
    await call.answered(15_000);
  } catch {
    // ended unanswered (or still ringing at the deadline: ended() below reports that)
  }
  if (call.fate.answered) {
    throw new Error(`${what} should be refused, but Switchboard answered it\n${await diagnostics()}`);
  }
  return call.ended(5_000);
}

interface AriChannel {
  id: string;
  name: string;
  state: string;
}

async function mainChannels(prefix: string): Promise<string[]> {
  const channels = await mainAri<AriChannel[]>('GET', '/channels');
  return channels.filter((c) => c.name.startsWith(prefix)).map((c) => `${c.name} ${c.state}`);
}

// Our calls on Switchboard's Asterisk: the extensions' legs and the trunks'.
async function hangUpOurChannels(): Promise<void> {
  const ours = (c: AriChannel) =>
    Object.keys(EXTENSIONS).some((n) => c.name.startsWith(`PJSIP/${n}-`)) ||
    c.name.startsWith('PJSIP/trunk-carrier-');
  for (const c of (await mainAri<AriChannel[]>('GET', '/channels')).filter(ours)) {
    await mainAri('DELETE', `/channels/${c.id}`).catch(() => undefined);
  }
  await waitFor('leftover channels to hang up', async () =>
    (await mainAri<AriChannel[]>('GET', '/channels')).filter(ours).length === 0 ? true : undefined,
  );
}

// What both Asterisks said lately, for failure messages.
async function diagnostics(): Promise<string> {
  // Without the noise of every call (the chroot cannot resolve the host's name) and of reloads.
  const noise = /ROOT-SERVERS|"vm"|lookup 'vm'|is not reloadable/;
  const tail = async (file: string) =>
    (await readFile(file, 'utf8').catch(() => ''))
      .split('\n')
      .filter((l) => !noise.test(l))
      .slice(-30)
      .join('\n');
  return [
    `--- Switchboard's Asterisk (console.log) ---\n${await tail(`${testEnv.sandboxDir}/var/log/asterisk/console.log`)}`,
    `--- carrier (console.log) ---\n${await carrier.consoleLog(25).catch((e: Error) => e.message)}`,
    `--- carrier log: ${JSON.stringify(await carrier.log().catch(() => null))}`,
  ].join('\n');
}

async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  opts: { timeoutMs?: number; phones?: SippHandle[]; onTimeout?: () => Promise<string> } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 5_000);
  let lastError: unknown;
  const why = () => (lastError instanceof Error ? ` (last seen: ${lastError.message})` : '');
  const extra = async () => (opts.onTimeout ? `\n${await opts.onTimeout()}` : '');
  for (;;) {
    const gone = opts.phones?.find((p) => p.result !== null);
    if (gone?.result) {
      throw new Error(`while waiting for ${what}${why()}: ${describeResult(gone.result)}${await extra()}`);
    }
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${why()}${await extra()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
