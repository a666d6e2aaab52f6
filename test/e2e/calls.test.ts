import { startTestApp, type TestApp } from '../support/app';
import { ariObject, asteriskCli, mainAri, sandbox } from '../support/asterisk';
import { requireAsterisk } from '../support/env';
import {
  answerCalls,
  describeResult,
  killAllSipp,
  phoneFor,
  placeCall,
  register,
  type SippHandle,
  succeeded,
} from '../support/sip';

// Real parts end to end: extensions created through the REST API, applied to a real Asterisk,
// real SIP user agents (sipp) registering and calling each other, and Asterisk's own view of the
// call through ARI.

const NUMBERS = ['1001', '1002', '1003', '1004'];

let app: TestApp;

beforeAll(async () => {
  requireAsterisk();
  app = await startTestApp();
});

afterEach(async () => {
  killAllSipp();
  if (app) await hangUpOurChannels();
});

afterAll(async () => {
  killAllSipp();
  if (!app) return;
  // Remove the extensions through Switchboard so it also deletes the copies it pushed into
  // Asterisk's memory: those outlive this test's database and would outrank the next run's file.
  try {
    for (const number of NUMBERS) await app.api('DELETE', `/api/v1/extensions/${number}`);
    await app.applyNow();
  } finally {
    await app.close();
  }
});

describe('calls between extensions on a real Asterisk', () => {
  it('lets 1001 call 1002 with generated credentials: answered, RTP both ways, clean hangup', async () => {
    const firstRevision = await latestRevisionId();
    const alice = await createExtension('1001', 'Alice');
    const bob = await createExtension('1002', 'Bob');
    await expectApplied(firstRevision);
    expect(await asteriskPassword('1001')).toBe(alice.sip_secret);
    expect(await asteriskPassword('1002')).toBe(bob.sip_secret);

    const callee = await phoneFor('1002', bob.sip_secret);
    const caller = await phoneFor('1001', alice.sip_secret);
    // A sipp client scenario cannot take a new Call-ID, so register first, then answer on the
    // same port (the qualify OPTIONS that may arrive in between is retransmitted).
    await succeeded(register(callee));
    const answering = await answerCalls(callee, { timeoutMs: 40_000 });
    await succeeded(register(caller));
    const call = placeCall(caller, '1002', { talkMs: 4_000 });
    const phones = [answering, call];

    const legs = await waitFor(
      'Asterisk to show both legs of the call Up',
      async () => {
        const channels = await mainAri<AriChannel[]>('GET', '/channels');
        const found = ['1001', '1002'].map((n) =>
          channels.find((c) => c.name.startsWith(`PJSIP/${n}-`) && c.state === 'Up'),
        );
        if (found.every(Boolean)) return found as AriChannel[];
        throw new Error(`channels: ${JSON.stringify(channels.map((c) => `${c.name} ${c.state}`))}`);
      },
      { timeoutMs: 10_000, phones },
    );

    // Asterisk both received and sent RTP on each leg: audio went caller -> callee and back.
    const stats = await waitFor(
      'RTP to be counted both ways on both legs',
      async () => {
        const all = await Promise.all(
          legs.map((leg) => mainAri<RtpStatistics>('GET', `/channels/${leg.id}/rtp_statistics`)),
        );
        if (all.every((s) => s.rxcount >= 10 && s.txcount >= 10)) return all;
        throw new Error(`counts: ${JSON.stringify(all.map((s) => ({ rx: s.rxcount, tx: s.txcount })))}`);
      },
      { timeoutMs: 3_000, phones },
    );
    for (const s of stats) {
      expect(s.rxcount).toBeGreaterThanOrEqual(10);
      expect(s.txcount).toBeGreaterThanOrEqual(10);
    }

    // While registered, the API reports each extension online, and the contact Asterisk holds is
    // the phone's own address.
    for (const phone of [caller, callee]) {
      const registration = await waitFor(
        `GET /api/v1/extensions/${phone.number} to report it online`,
        async () => {
          const res = await app.api('GET', `/api/v1/extensions/${phone.number}`);
          if (res.body.registration?.state === 'online') return res.body.registration;
          throw new Error(`registration: ${JSON.stringify(res.body.registration)}`);
        },
        { timeoutMs: 3_000, phones },
      );
      expect(registration.state).toBe('online');
      expect(await contactsOf(phone.number)).toEqual([`sip:${phone.number}@127.0.0.1:${phone.sipPort}`]);
    }

    // The caller hangs up: its BYE answered 200, and the callee answered Asterisk's BYE 200.
    await succeeded(call);
    await succeeded(answering);
    const noChannels = async () => ((await ourChannels()).length === 0 ? true : undefined);
    await waitFor('both legs to be gone', noChannels, { timeoutMs: 5_000 });

    for (const phone of [caller, callee]) {
      await succeeded(register(phone, { expires: 0 }));
      expect(await contactsOf(phone.number)).toEqual([]);
    }
  });

  it('rejects a REGISTER with a wrong password and records no contact', async () => {
    const firstRevision = await latestRevisionId();
    const carol = await createExtension('1003', 'Carol');
    await expectApplied(firstRevision);

    const attempt = await register(await phoneFor('1003', `${carol.sip_secret}x`)).exited;
    expect(attempt.timedOut).toBe(false);
    // 1 = the scenario failed (a crash or a missing sipp would be another code)...
    expect({ code: attempt.code, why: describeResult(attempt) }).toMatchObject({ code: 1 });
    // ...because Asterisk answered the authenticated REGISTER with a refusal instead of a 200.
    expect(attempt.unexpected).toMatch(/SIP\/2\.0 (401|403) /);
    expect(await contactsOf('1003')).toEqual([]);
    const { body } = await app.api('GET', '/api/v1/extensions/1003');
    expect(body.registration).toEqual({ state: 'offline', contacts: [] });

    // Control: the right password from a phone just like it registers, so the password alone
    // made the difference.
    const phone = await phoneFor('1003', carol.sip_secret);
    await succeeded(register(phone));
    expect(await contactsOf('1003')).toEqual([`sip:1003@127.0.0.1:${phone.sipPort}`]);
    await succeeded(register(phone, { expires: 0 }));
    expect(await contactsOf('1003')).toEqual([]);
  });

  it("deleting an extension drops its phones' registrations, even after an Asterisk restart: the number created again rings nobody", async () => {
    // The revision before the creation: the creation's own apply may run before a later read.
    const beforeFirst = await latestRevisionId();
    const first = await createExtension('1004', 'Leaver');
    await expectApplied(beforeFirst);
    const phone = await phoneFor('1004', first.sip_secret);
    await succeeded(register(phone, { expires: 3600 }));
    expect(await contactsOf('1004')).toEqual([`sip:1004@127.0.0.1:${phone.sipPort}`]);
    // After a restart Asterisk knows 1004 from the file only (no pushed copy), and dropping an
    // AOR from the file leaves its contacts in astdb, where the next 1004 would find them.
    await sandbox('stop');
    await sandbox('start');
    await waitFor(
      'Switchboard to see Asterisk again',
      async () => ((await app.api('GET', '/readyz')).status === 200 ? true : undefined),
      { timeoutMs: 30_000 },
    );
    expect(await contactsOf('1004')).toEqual([`sip:1004@127.0.0.1:${phone.sipPort}`]);

    expect((await app.api('DELETE', '/api/v1/extensions/1004')).status).toBe(204);
    // Asterisk keeps contacts in its own database, apart from the AOR: they must go too.
    await waitFor(
      'the contact to leave Asterisk',
      async () =>
        (await asteriskCli('database show registrar contact')).includes('1004;@') ? undefined : true,
      { timeoutMs: 10_000 },
    );
    const beforeSecond = await latestRevisionId();
    await createExtension('1004', 'Newcomer');
    await expectApplied(beforeSecond);
    expect(await contactsOf('1004')).toEqual([]);
    expect((await app.api('GET', '/api/v1/extensions/1004')).body.registration).toEqual({
      state: 'offline',
      contacts: [],
    });
  }, 90_000);
});

// ---------------------------------------------------------------- helpers

interface CreatedExtension {
  number: string;
  sip_secret: string;
}

async function createExtension(number: string, displayName: string): Promise<CreatedExtension> {
  const res = await app.api<CreatedExtension>('POST', '/api/v1/extensions', {
    body: { number, display_name: displayName },
  });
  expect(res.status).toBe(201);
  expect(res.body.sip_secret).toMatch(/^\S{12,}$/);
  // The secret is shown once: a plain read does not carry it.
  const read = await app.api('GET', `/api/v1/extensions/${number}`);
  expect(read.status).toBe(200);
  expect(read.body).not.toHaveProperty('sip_secret');
  return res.body;
}

async function latestRevisionId(): Promise<number> {
  const res = await app.api('GET', '/api/v1/apply?limit=1');
  return res.body.latest?.id ?? 0;
}

// Waits for the apply. Each creation already queued one of its own; when that ran first, the
// forced apply finds nothing left to do and answers "unchanged", so look at all of them.
async function expectApplied(afterRevision: number): Promise<void> {
  const forced = await app.applyNow();
  expect(['succeeded', 'unchanged']).toContain(forced.status);
  const res = await app.api<{ items: Array<{ id: number; status: string; error: string | null }> }>(
    'GET',
    '/api/v1/apply?limit=200',
  );
  const revisions = res.body.items.filter((r) => r.id > afterRevision);
  expect(revisions.filter((r) => r.status === 'failed')).toEqual([]);
  expect(revisions.map((r) => r.status)).toContain('succeeded');
}

interface AriChannel {
  id: string;
  name: string;
  state: string;
}

interface RtpStatistics {
  rxcount: number;
  txcount: number;
}

// The password Asterisk will check for this extension, whichever sorcery wizard holds it.
async function asteriskPassword(number: string): Promise<string | undefined> {
  return (await ariObject('auth', number))?.password;
}

// The contacts registered on the extension's AOR, as Asterisk itself lists them. (Not through
// PJSIP_AOR(): the func_pjsip_* modules are not loaded, so that reads as empty.)
async function contactsOf(number: string): Promise<string[]> {
  const contact = (await ariObject('aor', number))?.['contact'] ?? '';
  return contact.split(',').filter(Boolean);
}

async function ourChannels(): Promise<AriChannel[]> {
  const channels = await mainAri<AriChannel[]>('GET', '/channels');
  return channels.filter((c) => NUMBERS.some((n) => c.name.startsWith(`PJSIP/${n}-`)));
}

// A failed test must not leave a call up: its RTP and retransmissions would reach the next one.
async function hangUpOurChannels(): Promise<void> {
  for (const channel of await ourChannels()) {
    await mainAri('DELETE', `/channels/${channel.id}`).catch(() => undefined);
  }
  await waitFor('leftover channels to hang up', async () =>
    (await ourChannels()).length === 0 ? true : undefined,
  );
}

// Polls until check() returns a value. Fails at the deadline, or at once with sipp's account of
// it when one of the phones the wait depends on has already exited.
async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  opts: { timeoutMs?: number; phones?: SippHandle[] } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 5_000);
  let lastError: unknown;
  const why = () => (lastError instanceof Error ? ` (last seen: ${lastError.message})` : '');
  for (;;) {
    const gone = opts.phones?.find((p) => p.result !== null);
    if (gone?.result) throw new Error(`while waiting for ${what}${why()}: ${describeResult(gone.result)}`);
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${why()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
