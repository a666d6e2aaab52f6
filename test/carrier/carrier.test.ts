import { join } from 'node:path';
import { CARRIERS, type Carrier, startCarrier } from '../support/carrier';
import { killAllCarrierSipp, runSipp, type SippRun, SUPPORT_SCENARIOS } from './sipp';

// The carrier harness on its own, before anything of Switchboard's relies on it: its registrar
// takes sb-a's REGISTER and refuses a wrong password, it records a call placed as sb-a, and it
// sends calls towards Switchboard from the address each to-switchboard-* endpoint stands for.
// sipp talks to the carrier directly (test/support/sip.ts only targets Switchboard's Asterisk).

let carrier: Carrier;
let nextPort = 27_000 + 2 * Math.floor(Math.random() * 1_000);

beforeAll(async () => {
  carrier = await startCarrier();
}, 300_000);

afterEach(async () => {
  killAllCarrierSipp();
  await carrier?.hangupAll();
});

afterAll(async () => {
  await carrier?.stop();
}, 60_000);

describe('carrier harness', () => {
  it("accepts sb-a's REGISTER at carrier A with the right password and refuses a wrong one", async () => {
    const wrong = await sippAt(CARRIERS.a.host, 'register.xml', [
      ...['-s', 'sb-a', '-au', 'sb-a', '-ap', 'not-the-password', '-key', 'expires', '60', '-m', '1'],
      ...['-max_recv_loops', '1'],
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.errors).toMatch(/SIP\/2\.0 (401|403) /);
    expect(await carrier.registrationsAt('a')).toEqual([]);

    const port = nextPort;
    const ok = await sippAt(CARRIERS.a.host, 'register.xml', [
      ...['-s', 'sb-a', '-au', 'sb-a', '-ap', CARRIERS.a.password, '-key', 'expires', '60', '-m', '1'],
      ...['-max_recv_loops', '1'],
    ]);
    expect(ok).toMatchObject({ code: 0 });
    expect(await carrier.registrationsAt('a')).toEqual([`sip:sb-a@127.0.0.1:${port};transport=UDP`]);
    expect(await carrier.registrationsAt('b')).toEqual([]);

    // sb-b's password is not sb-a's.
    const crossed = await sippAt(CARRIERS.b.host, 'register.xml', [
      ...['-s', 'sb-b', '-au', 'sb-b', '-ap', CARRIERS.a.password, '-key', 'expires', '60', '-m', '1'],
      ...['-max_recv_loops', '1'],
    ]);
    expect(crossed.code).toBe(1);
  }, 60_000);

  it('records a call placed as sb-a: endpoint, number and caller ID, and the address it came to', async () => {
    await carrier.reset();
    const before = await carrier.calls();
    const call = await sippAt(
      CARRIERS.a.host,
      'call.xml',
      [
        ...['-s', '0032987654321', '-key', 'caller', 'sb-a', '-au', 'sb-a', '-ap', CARRIERS.a.password],
        ...['-m', '1', '-d', '1500', '-aa'],
      ],
      { mediaPort: true },
    );
    expect(call).toMatchObject({ code: 0 });
    expect(await carrier.calls()).toBe(before + 1);
    expect(await carrier.last()).toEqual({ endpoint: 'sb-a', number: '0032987654321', callerId: 'sb-a' });
    expect(await carrier.lastAddress()).toBe('127.0.0.2:5060');
    expect(await carrier.log()).toEqual([{ endpoint: 'sb-a', number: '0032987654321', callerId: 'sb-a' }]);

    // An unauthenticated INVITE is not recorded.
    const bad = await sippAt(
      CARRIERS.b.host,
      'call.xml',
      [
        ...['-s', '0032987654321', '-key', 'caller', 'sb-b', '-au', 'sb-b', '-ap', 'wrong-password'],
        ...['-m', '1', '-d', '1000', '-aa'],
      ],
      // call.xml keeps answering the repeated 401s until its deadline.
      { mediaPort: true, timeoutMs: 4_000 },
    );
    expect(bad.code).not.toBe(0);
    expect(await carrier.calls()).toBe(before + 1);
  }, 60_000);

  it('refuses calls with the configured cause while told to', async () => {
    await carrier.rejectCalls('b', 34);
    const call = await sippAt(
      CARRIERS.b.host,
      'call.xml',
      [
        ...['-s', '+32987654321', '-key', 'caller', 'sb-b', '-au', 'sb-b', '-ap', CARRIERS.b.password],
        ...['-m', '1', '-d', '1000', '-aa'],
      ],
      { mediaPort: true },
    );
    expect(call.code).not.toBe(0);
    expect(call.errors).toMatch(/SIP\/2\.0 503 /);
    expect(await carrier.last()).toEqual({ endpoint: 'sb-b', number: '+32987654321', callerId: 'sb-b' });
    expect(await carrier.lastAddress()).toBe('127.0.0.3:5060');
    await carrier.reset();
  }, 60_000);

  it("originates calls towards Switchboard's SIP port and reports how they ended", async () => {
    // Whatever Switchboard's Asterisk does with a DID it has no route for, the call must end
    // unanswered within the deadline, with a cause.
    const before = await carrier.calls();
    const call = await carrier.originateInbound({ did: '3299999999', callerId: '0470000000', via: 'x' });
    const fate = await call.ended(20_000);
    expect(fate.answered).toBe(false);
    expect(fate.cause).not.toBeNull();
    expect(call.gone).toBe(true);
    expect(await carrier.calls()).toBe(before); // nothing came back to the carrier
  }, 30_000);
});

// One sipp run against the carrier from 127.0.0.1, on a port of its own.
function sippAt(
  host: string,
  scenario: string,
  args: string[],
  opts: { mediaPort?: boolean; timeoutMs?: number } = {},
): Promise<SippRun> {
  const port = nextPort;
  nextPort += 10;
  return runSipp({
    target: `${host}:5060`,
    scenario: join(SUPPORT_SCENARIOS, scenario),
    args,
    localPort: port,
    ...(opts.mediaPort ? { mediaPort: port + 2 } : {}),
    timeoutMs: opts.timeoutMs ?? 20_000,
  });
}
