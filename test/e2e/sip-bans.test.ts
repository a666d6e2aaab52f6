import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../support/app';
import { asteriskCli, hangUpChannels, waitFor } from '../support/asterisk';
import { openBrowser } from '../support/browser';
import { requireAsterisk, testEnv } from '../support/env';
import { answerCalls, killAllSipp, phoneFor, placeCall, register, succeeded } from '../support/sip';
import { registeredPhone, sipStatus } from '../support/sip-register';

// The SIP edge against a password guesser: Asterisk's security log → Switchboard's ban → a PJSIP
// ACL that refuses the guesser (403 before any challenge) while phones elsewhere work on, until
// the ban expires or an admin lifts it in the UI. Inside a test lane all of 127/8 is local, so the
// guesser and the good phone each get an address of their own.

const GUESSER = '127.0.0.5';
const GOOD = '127.0.0.6';
// A carrier's registrar: its address is forgeable over UDP, so failures from it must never ban it.
const CARRIER = '127.0.0.7';
const FAILURES = 5;

interface BanItem {
  id: number;
  address: string;
  failures: number;
  active: boolean;
  banned_at: string;
  expires_at: string;
  lifted_by: string | null;
}

// The production defaults for what test/support/app.ts relaxes for the other suites, and a
// policy small enough to test.
const policy = (banSeconds: number) => ({
  SIP_AUTH_USERNAME: 'random',
  SIP_BAN_ALLOWLIST: '',
  SIP_BAN_FAILURES: String(FAILURES),
  SIP_BAN_WINDOW_SECONDS: '120',
  SIP_BAN_SECONDS: String(banSeconds),
});

let app: TestApp | null = null;

beforeAll(() => requireAsterisk());

afterEach(async () => {
  killAllSipp();
  await hangUpChannels();
  if (!app) return;
  // Extensions go through Switchboard, so the copies it pushed into Asterisk's memory go too, and
  // the last apply empties the ACL for the suites after this one.
  for (const n of ['1101', '1102']) await app.api('DELETE', `/api/v1/extensions/${n}`);
  const trunks = await app.api<Array<{ id: number }> | { items: Array<{ id: number }> }>(
    'GET',
    '/api/v1/trunks',
  );
  const rows = Array.isArray(trunks.body) ? trunks.body : trunks.body.items;
  for (const t of rows) await app.api('DELETE', `/api/v1/trunks/${t.id}`);
  await app.applyNow();
  await app.close();
  app = null;
});

async function extension(a: TestApp, number: string) {
  const res = await a.api('POST', '/api/v1/extensions', {
    body: { number, display_name: `Phone ${number}` },
  });
  if (res.status !== 201) throw new Error(`creating ${number}: ${res.status} ${res.text}`);
  return res.body as { sip_secret: string; auth_username: string };
}

// One REGISTER transaction from `from`: its final status (401 = challenged, 403 = refused by the
// ACL before any challenge, 200 = registered).
async function registerFrom(from: string, user: string, authUser: string, password: string): Promise<number> {
  const phone = await registeredPhone({
    server: '127.0.0.1',
    port: testEnv.sipPort,
    user,
    authUser,
    password,
    localAddress: from,
    expires: 30,
  });
  phone.close();
  return phone.status;
}

// A bare INVITE from `from`: the status of the first final response.
async function inviteFrom(from: string, to: string): Promise<number> {
  const sock = createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, from, resolve));
  const port = sock.address().port;
  try {
    const answered = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no final answer to the INVITE from ${from}`)), 5_000);
      sock.on('message', (data) => {
        const status = sipStatus(data.toString());
        if (status >= 200) {
          clearTimeout(timer);
          resolve(status);
        }
      });
    });
    const msg = [
      `INVITE sip:${to}@127.0.0.1:${testEnv.sipPort} SIP/2.0`,
      `Via: SIP/2.0/UDP ${from}:${port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
      'Max-Forwards: 70',
      `From: <sip:1101@127.0.0.1>;tag=${randomBytes(4).toString('hex')}`,
      `To: <sip:${to}@127.0.0.1>`,
      `Call-ID: ${randomBytes(8).toString('hex')}`,
      'CSeq: 1 INVITE',
      `Contact: <sip:1101@${from}:${port}>`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    sock.send(msg, testEnv.sipPort, '127.0.0.1');
    return await answered;
  } finally {
    sock.close();
  }
}

// Wrong secrets from the guesser until Switchboard has banned it: every attempt up to the
// policy's count is challenged (401), and the ban is there once that many have failed.
async function guessUntilBanned(a: TestApp, authUser: string): Promise<BanItem> {
  const statuses: number[] = [];
  for (let i = 1; i <= FAILURES; i++) {
    statuses.push(await registerFrom(GUESSER, '1101', authUser, `wrong-secret-${i}-0000000000`));
  }
  expect(statuses).toEqual(Array(FAILURES).fill(401));
  const ban = await waitFor(`a ban of ${GUESSER}`, async () => {
    const { body } = await a.api<{ items: BanItem[] }>('GET', '/api/v1/security/bans');
    return body.items.find((b) => b.address === GUESSER && b.active);
  });
  await a.applied();
  return ban;
}

// A registration trunk to `host` (nothing answers there: the trunk only has to exist) whose calls
// come from `peer`: the registrar's own address is then not identified as the trunk, so a wrong
// REGISTER from it fails authentication like any guesser's.
async function registrationTrunk(a: TestApp, name: string, host: string, peer: string) {
  const res = await a.api('POST', '/api/v1/trunks', {
    body: {
      name,
      kind: 'registration',
      host,
      port: 5099,
      peer_addresses: [peer],
      username: 'sb-test',
      password: 'trunk-pass-1',
      registration_expiry: 120,
      retry_interval: 60,
    },
  });
  if (res.status !== 201) throw new Error(`creating trunk ${name}: ${res.status} ${res.text}`);
}

function aclFile(): string {
  return readFileSync(join(testEnv.asteriskConfigDir, 'pjsip_acl.conf'), 'utf8');
}

describe('SIP brute-force banning on a real Asterisk', () => {
  it('20 wrong REGISTERs from 127.0.0.5: banned within the count, refused without a challenge, while a phone on 127.0.0.6 registers and calls; lifted in the UI, 127.0.0.5 registers again', async () => {
    app = await startTestApp(policy(600));
    const a = app;
    const guessed = await extension(a, '1101');
    const callee = await extension(a, '1102');
    // Random by default and apart from the number: a scanner cannot derive it.
    expect(guessed.auth_username).toMatch(/^[0-9a-f]{16}$/);
    await a.applied();
    expect(await asteriskCli('pjsip show auth 1101')).toContain(guessed.auth_username);

    const ban = await guessUntilBanned(a, guessed.auth_username);
    expect(ban).toMatchObject({ address: GUESSER, active: true, lifted_by: null });
    expect(ban.failures).toBeGreaterThanOrEqual(FAILURES);
    expect(Date.parse(ban.expires_at) - Date.parse(ban.banned_at)).toBe(600_000);
    expect(aclFile()).toMatch(/^deny = 127\.0\.0\.5$/m);

    // The rest of the 20: refused before any challenge, even with the right credentials.
    const later: number[] = [];
    for (let i = FAILURES + 1; i < 20; i++)
      later.push(await registerFrom(GUESSER, '1101', guessed.auth_username, `wrong-secret-${i}-00000000`));
    later.push(await registerFrom(GUESSER, '1101', guessed.auth_username, guessed.sip_secret));
    expect(later).toEqual(Array(20 - FAILURES).fill(403));
    expect(await inviteFrom(GUESSER, '1102')).toBe(403);
    // One ban, however many attempts came after it.
    const { body } = await a.api<{ items: BanItem[] }>('GET', '/api/v1/security/bans');
    expect(body.items.filter((b) => b.address === GUESSER)).toHaveLength(1);

    // Another address is untouched: a phone on 127.0.0.6 registers and calls 1102.
    const goodPhone = await phoneFor('1101', guessed.sip_secret, {
      ip: GOOD,
      authUser: guessed.auth_username,
    });
    const calleePhone = await phoneFor('1102', callee.sip_secret, { authUser: callee.auth_username });
    await succeeded(register(calleePhone));
    const answering = await answerCalls(calleePhone, { timeoutMs: 40_000 });
    await succeeded(register(goodPhone));
    await succeeded(placeCall(goodPhone, '1102', { talkMs: 1_000 }));
    await succeeded(answering);

    // The admin lifts the ban on the SIP bans page.
    const { browser, page } = await openBrowser();
    try {
      await page.goto(`${a.url}/login`);
      await page.fill('input[name="username"]', 'admin');
      await page.fill('input[name="password"]', 'admin-password-1');
      await Promise.all([page.waitForURL(/\/extensions$/), page.click('button[type="submit"]')]);
      await page.goto(`${a.url}/security/bans`);
      expect(await page.locator(`tr[data-address="${GUESSER}"]`).textContent()).toContain('active');
      page.once('dialog', (d) => void d.accept());
      await Promise.all([page.waitForURL(/\/security\/bans$/), page.click(`button[data-lift="${GUESSER}"]`)]);
      expect(await page.locator(`tr[data-address="${GUESSER}"]`).textContent()).toContain('lifted by admin');
    } finally {
      await browser.close();
    }
    await a.applied();
    expect(aclFile()).not.toContain(GUESSER);
    expect(await registerFrom(GUESSER, '1101', guessed.auth_username, guessed.sip_secret)).toBe(200);
    expect(await a.api('DELETE', `/api/v1/security/bans/${ban.id}`).then((r) => r.status)).toBe(404);
  }, 120_000);

  it('a ban ends by itself after SIP_BAN_SECONDS: the ACL is applied without it and 127.0.0.5 registers again', async () => {
    app = await startTestApp(policy(3));
    const a = app;
    const guessed = await extension(a, '1101');
    await a.applied();
    const ban = await guessUntilBanned(a, guessed.auth_username);
    expect(await registerFrom(GUESSER, '1101', guessed.auth_username, guessed.sip_secret)).toBe(403);

    // The expiry timer's apply takes the address out of the ACL.
    await waitFor(
      'the expired ban to leave the ACL',
      async () => Date.now() > Date.parse(ban.expires_at) && !aclFile().includes(GUESSER),
      15_000,
    );
    await a.applied();
    expect(await registerFrom(GUESSER, '1101', guessed.auth_username, guessed.sip_secret)).toBe(200);
    const { body } = await a.api<{ items: BanItem[] }>('GET', '/api/v1/security/bans');
    expect(body.items.find((b) => b.id === ban.id)).toMatchObject({ active: false, lifted_by: null });
  }, 60_000);

  it('an address an admin allowlists is unbanned at once and no longer banned for failing', async () => {
    app = await startTestApp(policy(600));
    const a = app;
    const guessed = await extension(a, '1101');
    await a.applied();
    await guessUntilBanned(a, guessed.auth_username);
    const added = await a.api('POST', '/api/v1/security/allowlist', {
      body: { cidr: '127.0.0.0/29', note: 'Test office' },
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ cidr: '127.0.0.0/29', lifted: 1 });
    await a.applied();
    expect(aclFile()).not.toContain(GUESSER);
    // As many failures again (and more) ban nothing: every attempt is challenged.
    const statuses: number[] = [];
    for (let i = 0; i < FAILURES + 2; i++)
      statuses.push(
        await registerFrom(GUESSER, '1101', guessed.auth_username, `wrong-secret-${i}-0000000000`),
      );
    expect(statuses).toEqual(Array(FAILURES + 2).fill(401));
    expect(await registerFrom(GUESSER, '1101', guessed.auth_username, guessed.sip_secret)).toBe(200);
    const { body } = await a.api<{ items: BanItem[] }>('GET', '/api/v1/security/bans');
    expect(body.items.filter((b) => b.active)).toEqual([]);
    expect((await a.api('GET', '/api/v1/security/allowlist')).body.items).toMatchObject([
      { cidr: '127.0.0.0/29', note: 'Test office', created_by: 'admin (token)' },
    ]);
  }, 60_000);

  it("a trunk's address is never banned: failures from the carrier's host count for nothing while 127.0.0.5 is banned as before, and a ban on an address that becomes a trunk's is lifted at the next apply", async () => {
    app = await startTestApp(policy(600));
    const a = app;
    const guessed = await extension(a, '1101');
    await registrationTrunk(a, 'carrier-main', CARRIER, '127.0.0.8');
    await a.applied();

    // Twice the count of wrong REGISTERs with the carrier's address as source: each is challenged,
    // none is ever refused.
    const fromCarrier: number[] = [];
    for (let i = 0; i < 2 * FAILURES; i++)
      fromCarrier.push(
        await registerFrom(CARRIER, '1101', guessed.auth_username, `wrong-secret-${i}-0000000000`),
      );
    expect(fromCarrier).toEqual(Array(2 * FAILURES).fill(401));
    // The security log is read in order and bans are stored one after another: once the guesser's
    // ban (logged after the carrier's failures) is there, a ban of the carrier would be too.
    await guessUntilBanned(a, guessed.auth_username);
    const bans = (await a.api<{ items: BanItem[] }>('GET', '/api/v1/security/bans')).body.items;
    expect(bans.map((b) => b.address)).toEqual([GUESSER]);
    expect(aclFile()).toMatch(/^deny = 127\.0\.0\.5$/m);
    expect(aclFile()).not.toContain(CARRIER);
    expect(await registerFrom(CARRIER, '1101', guessed.auth_username, guessed.sip_secret)).toBe(200);

    // The banned address becomes a trunk's host: the trunk's apply lifts the ban.
    await registrationTrunk(a, 'carrier-backup', GUESSER, '127.0.0.9');
    await a.applied();
    expect(aclFile()).not.toContain(GUESSER);
    const lifted = (await a.api<{ items: BanItem[] }>('GET', '/api/v1/security/bans')).body.items;
    expect(lifted.find((b) => b.address === GUESSER)).toMatchObject({
      active: false,
      lifted_by: 'trunk address',
    });
    expect(await registerFrom(GUESSER, '1101', guessed.auth_username, guessed.sip_secret)).toBe(200);

    // Both trunks' addresses, on the API and on the SIP bans page.
    const allow = await a.api('GET', '/api/v1/security/allowlist');
    expect(allow.body.trunks).toEqual(
      expect.arrayContaining([
        { trunk: 'carrier-main', role: 'host', value: CARRIER, addresses: [CARRIER], error: null },
        { trunk: 'carrier-backup', role: 'host', value: GUESSER, addresses: [GUESSER], error: null },
      ]),
    );
    const { browser, page } = await openBrowser();
    try {
      await page.goto(`${a.url}/login`);
      await page.fill('input[name="username"]', 'admin');
      await page.fill('input[name="password"]', 'admin-password-1');
      await Promise.all([page.waitForURL(/\/extensions$/), page.click('button[type="submit"]')]);
      await page.goto(`${a.url}/security/bans`);
      expect(await page.locator('h2', { hasText: 'Trunk addresses (never banned)' }).count()).toBe(1);
      const row = (value: string) =>
        page.locator(`tr[data-trunk-peer="carrier-main"][data-value="${value}"]`);
      expect(await row(CARRIER).textContent()).toContain('host');
      expect(await row('127.0.0.8').textContent()).toContain('peer address');
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('runs Asterisk with the security log and without the anonymous identifier or MESSAGE handling', async () => {
    const loaded = async (mod: string) =>
      /\b1 modules? loaded/.test(await asteriskCli(`module show like ${mod}`));
    expect(await loaded('res_security_log.so')).toBe(true);
    expect(await loaded('res_pjsip_endpoint_identifier_anonymous.so')).toBe(false);
    expect(await loaded('res_pjsip_messaging.so')).toBe(false);
    expect(await asteriskCli('logger show channels')).toMatch(/security\.log[\s\S]*?Security/i);
  });

  it('refuses bad ids on the API and changes nothing', async () => {
    app = await startTestApp(policy(600));
    const a = app;
    for (const id of ['0', 'abc', '1;2', '99999999999'])
      expect((await a.api('DELETE', `/api/v1/security/bans/${id}`)).status).toBe(400);
    expect((await a.api('DELETE', '/api/v1/security/bans/12345')).status).toBe(404);
    expect((await a.api('GET', '/api/v1/security/bans', { token: a.tokens.supervisor })).status).toBe(403);
    expect((await a.api('GET', '/api/v1/security/bans?limit=0')).status).toBe(400);
    for (const cidr of ['example.com', '10.0.0.0/33', '10.0.0.1;deny', '', '2001:db8::/129']) {
      const res = await a.api('POST', '/api/v1/security/allowlist', { body: { cidr } });
      expect(res.status).toBe(400);
      expect(res.body.error.details[0].path).toBe('cidr');
    }
    expect(
      (await a.api('POST', '/api/v1/security/allowlist', { body: { cidr: '10.0.0.1', extra: 1 } })).status,
    ).toBe(400);
    expect((await a.api('GET', '/api/v1/security/allowlist')).body.items).toEqual([]);
    expect((await a.api('DELETE', '/api/v1/security/allowlist/77')).status).toBe(404);
  });
});
