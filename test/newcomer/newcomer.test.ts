import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { createKnex } from '../../src/db/knex';
import { waitFor } from '../support/asterisk';
import { testEnv } from '../support/env';
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

// The newcomer's path, as the README tells it: a fresh clone, `npm run up`, a token from the
// documented CLI, two extensions through the REST API, two real SIP phones and a call between
// them with audio both ways. Then `npm run up` a second time while a call is up: the call stays.
//
// It runs the clone's own scripts, so a production build that does not compile, a missing install
// step or a broken first start fails here. It has its own ports, state directory, Asterisk sandbox
// and database, so it cannot disturb the rest of the suite (nor a Switchboard of the machine).

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const PORTS = { http: 3990, ari: 8990, sip: 5990, rtp: 40_000 };
const BASE = `http://127.0.0.1:${PORTS.http}`;
// npm install, the build and the first start, on a machine the other lanes keep busy.
const FIRST_START_MS = 420_000;

interface UpProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

let work = '';
let clone = '';
let env: NodeJS.ProcessEnv = {};
const dbName = `sb_newcomer_${randomBytes(4).toString('hex')}`;
const ups: UpProcess[] = [];
let token = '';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sb-newcomer-'));
  clone = join(work, 'switchboard');
  await freshClone(clone);
  const sandbox = join(process.env['TEST_RUN_DIR'] ?? '/var/cache/switchboard', `newcomer-${dbName}`);
  // Only what a newcomer's shell would have, plus where this one keeps its state.
  env = {
    PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: process.env['HOME'] ?? '/root',
    LANG: 'C.UTF-8',
    SWITCHBOARD_STATE_DIR: join(work, 'state'),
    SANDBOX_DIR: sandbox,
    ...(process.env['SANDBOX_IMAGE'] ? { SANDBOX_IMAGE: process.env['SANDBOX_IMAGE'] } : {}),
    PORT: String(PORTS.http),
    ARI_PORT: String(PORTS.ari),
    SIP_PORT: String(PORTS.sip),
    RTP_START: String(PORTS.rtp),
    DATABASE_URL: `${testEnv.mysqlServer}/${dbName}`,
    // The lanes have no network: npm installs from its cache, as the suite's own install left it.
    npm_config_offline: 'true',
  };
}, 120_000);

afterAll(async () => {
  killAllSipp();
  for (const up of ups) {
    if (up.child.exitCode === null && up.child.pid) process.kill(-up.child.pid, 'SIGTERM');
  }
  await Promise.all(ups.map((u) => Promise.race([u.exited, sleep(25_000)])));
  for (const up of ups) {
    if (up.child.exitCode === null && up.child.pid) process.kill(-up.child.pid, 'SIGKILL');
  }
  if (clone) {
    await run('bash', [join(clone, 'scripts', 'asterisk-sandbox.sh'), 'destroy'], { env }).catch(
      () => undefined,
    );
  }
  const admin = createKnex(`${testEnv.mysqlServer}/`, { min: 0, max: 1 });
  await admin.raw(`DROP DATABASE IF EXISTS \`${dbName}\``);
  await admin.destroy();
  if (work) rmSync(work, { recursive: true, force: true });
}, 90_000);

describe("a newcomer's first command on a fresh clone", () => {
  let ariAuth = '';
  const secrets: Record<string, string> = {};
  const authUsers: Record<string, string> = {};

  it(
    '`npm run up` installs, builds, starts Asterisk and Switchboard, creates the first admin and becomes ready',
    async () => {
      const up = startUp();
      await waitForReady(up, FIRST_START_MS);
      expect(up.output()).toMatch(/First admin created: user "admin", password "\S{12,}"/);
      const ready = await getJson<{ status: string }>('/readyz');
      expect(ready.status).toBe(200);
      ariAuth = readFileSync(join(env['SWITCHBOARD_STATE_DIR'] ?? '', 'env'), 'utf8').match(
        /^ARI_PASSWORD=(.+)$/m,
      )?.[1] as string;
      expect(ariAuth).toBeTruthy();
    },
    FIRST_START_MS + 30_000,
  );

  it('the documented CLI prints an API token, and two extensions created through the API call each other with audio both ways', async () => {
    const { stdout } = await run(
      'npm',
      ['run', '--silent', 'cli', '--', 'token', 'create', '--user', 'admin'],
      {
        cwd: clone,
        env,
        timeout: 60_000,
      },
    );
    token = stdout.trim().split('\n').pop() ?? '';
    expect(token).toMatch(/^\S{20,}$/);

    for (const [number, name] of [
      ['2001', 'Ada'],
      ['2002', 'Brian'],
    ] as const) {
      const res = await api('POST', '/api/v1/extensions', { number, display_name: name });
      expect(res.status).toBe(201);
      const created = res.body as { sip_secret: string; auth_username: string };
      secrets[number] = created.sip_secret;
      // `npm run up` keeps the production default: a random auth username, apart from the number.
      expect(created.auth_username).not.toBe(number);
      authUsers[number] = created.auth_username;
    }
    await waitFor(
      'both extensions to be live in the newcomer Asterisk',
      async () => (await ari('GET', '/endpoints/PJSIP/2002').catch(() => null)) !== null,
      30_000,
    );

    const caller = await phoneFor('2001', secrets['2001'] ?? '', {
      serverPort: PORTS.sip,
      cli: newcomerCli,
      authUser: authUsers['2001'] ?? '',
    });
    const callee = await phoneFor('2002', secrets['2002'] ?? '', {
      serverPort: PORTS.sip,
      cli: newcomerCli,
      authUser: authUsers['2002'] ?? '',
    });
    await succeeded(register(callee));
    const answering = await answerCalls(callee, { timeoutMs: 40_000 });
    await succeeded(register(caller));
    const call = placeCall(caller, '2002', { talkMs: 3_000 });
    const legs = await bothLegsUp();
    const stats = await rtpBothWays(legs);
    for (const s of stats) expect(Math.min(s.rxcount, s.txcount)).toBeGreaterThanOrEqual(10);
    await succeeded(call);
    await succeeded(answering);
  }, 90_000);

  it(
    'a second `npm run up` while a call is up keeps the call up and replaces the running Switchboard',
    async () => {
      const caller = await phoneFor('2001', secrets['2001'] ?? '', {
        serverPort: PORTS.sip,
        cli: newcomerCli,
        authUser: authUsers['2001'] ?? '',
      });
      const callee = await phoneFor('2002', secrets['2002'] ?? '', {
        serverPort: PORTS.sip,
        cli: newcomerCli,
        authUser: authUsers['2002'] ?? '',
      });
      await succeeded(register(callee));
      const answering = await answerCalls(callee, { timeoutMs: FIRST_START_MS });
      await succeeded(register(caller));
      // Long enough for any second start; the test ends the call itself once it has its proof.
      const calling = placeCall(caller, '2002', { talkMs: FIRST_START_MS - 60_000 });
      const legs = await bothLegsUp();
      const asteriskPid = (
        await run('bash', [join(clone, 'scripts', 'asterisk-sandbox.sh'), 'status'], { env })
      ).stdout;

      const first = ups[0];
      const second = startUp();
      await waitForReady(second, FIRST_START_MS - 120_000);
      expect(second.output()).toMatch(/already running .*calls kept/);
      // The first Switchboard gave way to the second; the Asterisk is the same process.
      expect(await first?.exited).toBe(0);
      expect(
        (await run('bash', [join(clone, 'scripts', 'asterisk-sandbox.sh'), 'status'], { env })).stdout,
      ).toBe(asteriskPid);

      // The same two channels are still up, and audio still flows both ways after the restart.
      const channels = await ari<AriChannel[]>('GET', '/channels');
      expect(channels.filter((c) => c.state === 'Up').map((c) => c.id)).toEqual(
        expect.arrayContaining(legs.map((l) => l.id)),
      );
      const stats = () =>
        Promise.all(legs.map((l) => ari<RtpStats>('GET', `/channels/${l.id}/rtp_statistics`)));
      const before = await stats();
      let now = before;
      const grew = () =>
        now.every(
          (s, i) =>
            s.rxcount >= (before[i]?.rxcount ?? 0) + 25 && s.txcount >= (before[i]?.txcount ?? 0) + 25,
        );
      const deadline = Date.now() + 10_000;
      while (!grew() && Date.now() < deadline) {
        await sleep(200);
        now = await stats();
      }
      // Audio still flows both ways on both legs after the second start; if not, what each phone
      // said about it.
      if (!grew()) {
        const phone = (h: SippHandle) => (h.result ? describeResult(h.result) : `${h.name}: still running`);
        throw new Error(
          `RTP stopped after the second start: before ${counts(before)}, now ${counts(now)}\n${phone(calling)}\n${phone(answering)}`,
        );
      }
      // Hung up from Asterisk: the callee's phone receives the BYE and answers it.
      await ari('DELETE', `/channels/${legs[1]?.id}`);
      await succeeded(answering);
    },
    FIRST_START_MS + 60_000,
  );
});

// ---------------------------------------------------------------- helpers

interface AriChannel {
  id: string;
  name: string;
  state: string;
}

interface RtpStats {
  rxcount: number;
  txcount: number;
}

// A clone of this repository as it would be committed: HEAD plus the working tree's changes and
// its new files, so a developer's run tests what they are about to commit (CI's clone is clean).
async function freshClone(dest: string): Promise<void> {
  await run('git', ['clone', '--quiet', '--no-hardlinks', ROOT, dest]);
  const { stdout: diff } = await run('git', ['diff', 'HEAD', '--binary'], {
    cwd: ROOT,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (diff.trim()) {
    const apply = spawn('git', ['apply', '--whitespace=nowarn'], {
      cwd: dest,
      stdio: ['pipe', 'inherit', 'inherit'],
    });
    apply.stdin.end(diff);
    const code = await new Promise<number | null>((r) => apply.on('exit', r));
    if (code !== 0) throw new Error('could not apply the working tree changes to the clone');
  }
  const { stdout: untracked } = await run('git', ['ls-files', '--others', '--exclude-standard', '-z'], {
    cwd: ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
  for (const file of untracked.split('\0').filter(Boolean)) {
    mkdirSync(dirname(join(dest, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(dest, file));
  }
}

function startUp(): UpProcess {
  // Its own process group: afterAll ends npm, the scripts and node together.
  const child = spawn('npm', ['run', 'up'], {
    cwd: clone,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-40_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const up: UpProcess = {
    child,
    output: () => output,
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
  };
  ups.push(up);
  return up;
}

// Ready means /readyz answers 200 from the process this `npm run up` started.
async function waitForReady(up: UpProcess, timeoutMs: number): Promise<void> {
  let exited: number | null | undefined;
  void up.exited.then((code) => {
    exited = code;
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== undefined) throw new Error(`npm run up exited with ${exited}:\n${up.output()}`);
    if (/Switchboard is listening/.test(up.output())) {
      const res = await fetch(`${BASE}/readyz`).catch(() => null);
      if (res?.status === 200) return;
    }
    if (Date.now() > deadline)
      throw new Error(`npm run up was not ready in ${timeoutMs} ms:\n${up.output()}`);
    await sleep(250);
  }
}

async function getJson<T>(path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(BASE + path);
  return { status: res.status, body: (await res.json()) as T };
}

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(BASE + path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

async function ari<T = unknown>(method: string, path: string): Promise<T> {
  const password = readFileSync(join(env['SWITCHBOARD_STATE_DIR'] ?? '', 'env'), 'utf8').match(
    /^ARI_PASSWORD=(.+)$/m,
  )?.[1];
  const res = await fetch(`http://127.0.0.1:${PORTS.ari}/ari${path}`, {
    method,
    headers: { authorization: `Basic ${Buffer.from(`switchboard:${password}`).toString('base64')}` },
  });
  if (!res.ok) throw new Error(`ARI ${method} ${path}: ${res.status}`);
  const text = await res.text();
  return (text ? JSON.parse(text) : null) as T;
}

function counts(all: RtpStats[]): string[] {
  return all.map((s) => `rx ${s.rxcount} tx ${s.txcount}`);
}

async function bothLegsUp(): Promise<AriChannel[]> {
  return waitFor(
    'both legs of the call to be Up in the newcomer Asterisk',
    async () => {
      const channels = await ari<AriChannel[]>('GET', '/channels');
      const legs = ['2001', '2002'].map((n) =>
        channels.find((c) => c.name.startsWith(`PJSIP/${n}-`) && c.state === 'Up'),
      );
      return legs.every(Boolean) ? (legs as AriChannel[]) : null;
    },
    15_000,
  );
}

async function rtpBothWays(legs: AriChannel[]): Promise<RtpStats[]> {
  return waitFor(
    'RTP to be counted both ways on both legs',
    async () => {
      const all = await Promise.all(
        legs.map((l) => ari<RtpStats>('GET', `/channels/${l.id}/rtp_statistics`)),
      );
      return all.every((s) => s.rxcount >= 10 && s.txcount >= 10) ? all : null;
    },
    5_000,
  );
}

async function newcomerCli(command: string): Promise<string> {
  const { stdout } = await run('bash', [join(clone, 'scripts', 'asterisk-sandbox.sh'), 'cli', command], {
    env,
    timeout: 30_000,
  });
  return stdout;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
