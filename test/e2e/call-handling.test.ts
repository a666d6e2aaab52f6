import { describeRun, runSipp } from '../carrier/sipp';
import {
  createExtensions,
  createInboundRoute,
  extensionPaths,
  startTestApp,
  type TestApp,
} from '../support/app';
import { asteriskCli } from '../support/asterisk';
import { CallObserver, type ObservedChannel } from '../support/call-observer';
import { endCallSuite, endCalls } from '../support/call-suite';
import { remoteAsteriskEnv, requireAsterisk, testEnv } from '../support/env';
import { dialWithKeys } from '../support/phone-dtmf';
import { answerCalls, type Phone, phoneFor, register, type SippHandle, succeeded } from '../support/sip';
import { callFromTrunk, createCallerTrunk } from '../support/trunk-caller';

// Forwarding, do-not-disturb and blocking with real parts: 1001 is a registered sipp phone that
// dials the feature codes (RFC 2833 not needed: the code is the dialled number); a carrier
// (sipp from 127.0.0.9 over an IP trunk) calls the DID routed to 1001. Where each call went is
// seen from Asterisk through CallObserver (the Dial and Busy applications the channel ran).

const DID = '3225550170';

let app: TestApp;
let observer: CallObserver;
let trunkId: number;
let routeId: number;
const secrets = new Map<string, string>();
const phones = new Map<string, Phone>();

beforeAll(async () => {
  requireAsterisk();
  // As if on another host than Asterisk (AMI over TLS and ARI only, no CLI): this area's real
  // calls prove the network control; its src/ suite keeps proving the local CLI.
  app = await startTestApp({ ...remoteAsteriskEnv() });
  observer = await CallObserver.start();
  await createExtensions(app, ['1001', '1002', '1003'], { secrets });
  trunkId = await createCallerTrunk(app);
  routeId = await createInboundRoute(app, 'Desk 1001', DID, { type: 'extension', target: '1001' });
  await app.applyNow();
}, 180_000);

afterEach(() => endCalls(observer));

afterAll(
  () =>
    endCallSuite(app, observer, async () => {
      for (const phone of phones.values()) await register(phone, { expires: 0 }).exited;
      return [
        `/api/v1/inbound-routes/${routeId}`,
        `/api/v1/trunks/${trunkId}`,
        ...extensionPaths(secrets.keys()),
      ];
    }),
  120_000,
);

// 1001 dials a feature code; resolves once Asterisk has confirmed and hung up.
async function dialCode(number: string): Promise<boolean> {
  const phone = await phoneFor('1001', secrets.get('1001')!);
  const run = await dialWithKeys(phone, number, '#');
  return run.ok;
}

// The observer forgets the calls before (the feature-code calls of 1001 among them).
function trunkCall(opts: Parameters<typeof callFromTrunk>[0]) {
  observer.clear();
  return callFromTrunk(opts);
}

const handling = async () => (await app.api('GET', '/api/v1/extensions/1001/call-handling')).body;

// A phone on fresh ports each time: between calls nobody answers Asterisk's qualify OPTIONS, so
// an older contact is unreachable (and stays so when re-registered); remove_existing replaces it.
async function registered(number: string): Promise<Phone> {
  const phone = await phoneFor(number, secrets.get(number)!);
  await succeeded(register(phone, { expires: 3600 }));
  phones.set(number, phone);
  return phone;
}

async function answering(number: string): Promise<SippHandle> {
  const phone = await registered(number);
  return await answerCalls(phone, { timeoutMs: 40_000 });
}

// A phone that answers the next INVITE "486 Busy Here".
async function busy(number: string) {
  const phone = await registered(number);
  const run = runSipp({
    target: `127.0.0.1:${testEnv.sipPort}`,
    scenario: 'busy.xml',
    localPort: phone.sipPort,
    files: { 'busy.xml': BUSY_SCENARIO },
    args: ['-s', number],
    timeoutMs: 40_000,
  });
  return { run };
}

const dials = (ch: ObservedChannel) =>
  ch.steps.filter((s) => s.app === 'Dial').map((s) => s.data.split(',')[0]);
const carrierChannel = () =>
  observer.channel('the carrier call in Asterisk', (c) => c.name.startsWith('PJSIP/trunk-test-carrier'));
const rang = (number: string) =>
  [...observer.channels.values()].some((c) => c.name.startsWith(`PJSIP/${number}-`));

describe('from the phone: DND and forwarding take effect on the next call', () => {
  it('*76 turns DND on: a trunk call gets busy and 1001 never rings', async () => {
    expect(await dialCode('*76')).toBe(true);
    expect((await handling()).dnd).toBe(true);
    const desk = await answering('1001');
    const call = await trunkCall({ did: DID, hangup: 'caller', holdMs: 2_000 });
    if (call.ok || call.responses.at(-1) !== 486) throw new Error(describeRun('trunk call', call));
    const ch = await carrierChannel();
    await observer.ran(ch, 'Busy');
    expect(dials(ch)).toEqual([]);
    expect(rang('1001')).toBe(false);
    expect(desk.result).toBeNull(); // still waiting: no INVITE reached it
  }, 90_000);

  it('*76 again turns it off; *72 1002 forwards all calls: 1002 rings and answers, not 1001', async () => {
    expect(await dialCode('*76')).toBe(true);
    expect(await dialCode('*721002')).toBe(true);
    expect(await handling()).toEqual({
      extension: '1001',
      dnd: false,
      forward: { always: '1002', busy: null, noAnswer: null },
    });
    const other = await answering('1002');
    const call = await trunkCall({ did: DID, hangup: 'caller', holdMs: 2_000 });
    if (!call.ok) throw new Error(describeRun('trunk call', call));
    await succeeded(other);
    expect(dials(await carrierChannel())).toEqual(['PJSIP/1002']);
    expect(rang('1001')).toBe(false);
  }, 90_000);

  it('*73 cancels it: the next call rings 1001 again', async () => {
    expect(await dialCode('*73')).toBe(true);
    expect((await handling()).forward.always).toBeNull();
    const desk = await answering('1001');
    const call = await trunkCall({ did: DID, hangup: 'caller', holdMs: 2_000 });
    if (!call.ok) throw new Error(describeRun('trunk call', call));
    await succeeded(desk);
    expect(dials(await carrierChannel())).toEqual(['PJSIP/1001']);
  }, 90_000);

  it('*72 to an external number is refused without "may forward externally"; 112 is refused even with it', async () => {
    expect(await dialCode('*720475123456')).toBe(true);
    expect((await handling()).forward.always).toBeNull();
    const grant = await app.api('PUT', '/api/v1/extensions/1001/toll-limits', {
      body: { may_forward_externally: true },
    });
    expect(grant.status).toBe(200);
    expect(await dialCode('*72112')).toBe(true);
    expect((await handling()).forward.always).toBeNull();
    expect(await asteriskCli('database get sb cfu/1001')).toMatch(/not found/i);
    expect(await dialCode('*720475123456')).toBe(true);
    expect((await handling()).forward.always).toBe('0475123456');
    expect((await app.api('PUT', '/api/v1/extensions/1001/call-handling', { body: {} })).status).toBe(200);
  }, 90_000);

  it('a number that is not one (*72 and 2 digits) is refused and changes nothing', async () => {
    expect(await dialCode('*7212')).toBe(true);
    const ch = await observer.channel('the code call', (c) => c.name.startsWith('PJSIP/1001-'));
    expect(ch.steps.some((s) => s.app === 'Stasis' && s.data.includes('cfu-on'))).toBe(true);
    expect((await handling()).forward.always).toBeNull();
  }, 60_000);
});

describe('forwarding set through the API, on real calls', () => {
  it('busy: 1001 answers 486, the call goes on to 1003', async () => {
    const put = await app.api('PUT', '/api/v1/extensions/1001/call-handling', {
      body: { forward: { busy: '1003' } },
    });
    expect(put.status).toBe(200);
    const desk = await busy('1001');
    const other = await answering('1003');
    const call = await trunkCall({ did: DID, hangup: 'caller', holdMs: 2_000 });
    if (!call.ok) throw new Error(describeRun('trunk call', call));
    await succeeded(other);
    expect((await desk.run).code).toBe(0);
    expect(dials(await carrierChannel())).toEqual(['PJSIP/1001', 'PJSIP/1003']);
  }, 90_000);

  it('not answered: 1001 is unreachable (not registered), the call goes on to 1003', async () => {
    const put = await app.api('PUT', '/api/v1/extensions/1001/call-handling', {
      body: { forward: { noAnswer: '1003' } },
    });
    expect(put.status).toBe(200);
    const desk = phones.get('1001');
    if (desk) await succeeded(register(desk, { expires: 0 }));
    const other = await answering('1003');
    const call = await trunkCall({ did: DID, hangup: 'caller', holdMs: 2_000 });
    if (!call.ok) throw new Error(describeRun('trunk call', call));
    await succeeded(other);
    expect(dials(await carrierChannel())).toEqual(['PJSIP/1001', 'PJSIP/1003']);
  }, 90_000);

  it('bad input is refused with 400 and the next call is not forwarded by it', async () => {
    const before = await handling();
    const res = await app.api('PUT', '/api/v1/extensions/1001/call-handling', {
      body: { forward: { always: '1002)' } },
    });
    expect(res.status).toBe(400);
    expect(await handling()).toEqual(before);
    expect(await asteriskCli('database get sb cfu/1001')).toMatch(/not found/i);
  });
});

describe('blocked callers', () => {
  beforeAll(async () => {
    await app.api('PUT', '/api/v1/extensions/1001/call-handling', { body: {} });
  });

  it('a blocked caller is refused before anything rings; another caller gets through', async () => {
    const res = await app.api('POST', '/api/v1/extensions/1001/blocked-callers', {
      body: { number: '3225559999' },
    });
    expect(res.status).toBe(201);
    const refused = await trunkCall({ did: DID, callerId: '3225559999', hangup: 'caller', holdMs: 2_000 });
    if (refused.ok || refused.responses.at(-1) !== 403) throw new Error(describeRun('refused call', refused));
    const ch = await carrierChannel();
    await observer.ran(ch, 'Hangup', '21');
    expect(dials(ch)).toEqual([]);
    expect(rang('1001')).toBe(false);

    observer.clear();
    const desk = await answering('1001');
    const call = await trunkCall({ did: DID, callerId: '3225551111', hangup: 'caller', holdMs: 1_000 });
    if (!call.ok) throw new Error(describeRun('trunk call', call));
    await succeeded(desk);
  }, 90_000);

  it('*32 blocks the last caller (3225551111, who just called)', async () => {
    expect(await asteriskCli('database get sb last/1001')).toContain('3225551111');
    expect(await dialCode('*32')).toBe(true);
    const list = await app.api('GET', '/api/v1/extensions/1001/blocked-callers');
    expect(list.body.items.map((i: { number: string }) => i.number)).toEqual(['3225551111', '3225559999']);
    const refused = await trunkCall({ did: DID, callerId: '3225551111', hangup: 'caller', holdMs: 2_000 });
    if (refused.ok || refused.responses.at(-1) !== 403) throw new Error(describeRun('refused call', refused));
    const ch = await carrierChannel();
    await observer.ran(ch, 'Hangup', '21');
    expect(dials(ch)).toEqual([]);
  }, 90_000);
});

describe('busy treatment and loops', () => {
  afterAll(async () => {
    for (const n of ['1001', '1002'])
      await app.api('PUT', `/api/v1/extensions/${n}/call-handling`, { body: {} });
    await app.api('DELETE', '/api/v1/voicemail-boxes/1001');
  });

  it('DND with a voicemail box: the caller reaches the busy voicemail, the phone never rings', async () => {
    const box = await app.api('POST', '/api/v1/voicemail-boxes', { body: { number: '1001' } });
    expect(box.status).toBe(201);
    await app.applyNow();
    await app.api('PUT', '/api/v1/extensions/1001/call-handling', { body: { dnd: true } });
    const desk = await answering('1001');
    const call = await trunkCall({ did: DID, callerId: '3225552222', hangup: 'caller', holdMs: 3_000 });
    if (!call.ok) throw new Error(describeRun('trunk call', call));
    const ch = await carrierChannel();
    await observer.ran(ch, 'VoiceMail', '1001@switchboard,b');
    expect(dials(ch)).toEqual([]);
    expect(desk.result).toBeNull();
  }, 60_000);

  it('1001 forwards to 1002 and 1002 back to 1001: after 5 hops the call rings where it is', async () => {
    await app.api('PUT', '/api/v1/extensions/1001/call-handling', { body: { forward: { always: '1002' } } });
    await app.api('PUT', '/api/v1/extensions/1002/call-handling', { body: { forward: { always: '1001' } } });
    const other = await answering('1002');
    // Not the default caller: 1001 blocked it above.
    const call = await trunkCall({ did: DID, callerId: '3225553333', hangup: 'caller', holdMs: 2_000 });
    if (!call.ok) throw new Error(describeRun('trunk call', call));
    await succeeded(other);
    const ch = await carrierChannel();
    expect(ch.steps.some((s) => s.app === 'Log' && s.data.includes('forwarding loop at 1002'))).toBe(true);
    expect(dials(ch)).toEqual(['PJSIP/1002']);
  }, 60_000);
});

describe('a changed feature code', () => {
  afterAll(async () => {
    await app.api('PUT', '/api/v1/feature-codes', { body: { items: [{ key: 'dnd-toggle', code: '*76' }] } });
    await app.api('PUT', '/api/v1/extensions/1001/call-handling', { body: {} });
    await app.applyNow();
  });

  it('works from the phone, and the old code no longer does', async () => {
    const res = await app.api('PUT', '/api/v1/feature-codes', {
      body: { items: [{ key: 'dnd-toggle', code: '*77' }] },
    });
    expect(res.status).toBe(200);
    // The PUT asked for an apply already; this one waits for it (and finds nothing left to do).
    await app.applied();
    expect((await handling()).dnd).toBe(false);
    // The old code reaches nothing now: not answered, DND unchanged.
    expect(await dialCode('*76')).toBe(false);
    expect((await handling()).dnd).toBe(false);
    expect(await dialCode('*77')).toBe(true);
    expect((await handling()).dnd).toBe(true);
  }, 90_000);
});

const BUSY_SCENARIO = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="busy">
  <recv request="OPTIONS" optional="true" next="options" />
  <recv request="INVITE" />
  <send><![CDATA[

      SIP/2.0 486 Busy Here
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

  ]]></send>
  <recv request="ACK" />
  <nop next="end"><action><exec int_cmd="stop_gracefully" /></action></nop>
  <label id="options" />
  <send><![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag02[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

  ]]></send>
  <label id="end" />
</scenario>
`;
