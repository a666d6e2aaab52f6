// The suite's runner: jest in parallel lanes, each lane a network namespace of its own with its
// own Asterisk sandbox (an overlay on the cached chroot image), its own carrier Asterisk and
// its own test databases. Inside a lane every address and port is the default one (Asterisk on
// 127.0.0.1:5060 and :8088, carriers on 127.0.0.2-4:5060), so the suites need no knowledge of
// the lanes and cannot disturb each other: the loopback of one lane is not the loopback of
// another. MariaDB stays on the host; a socat in each lane forwards the lane's 127.0.0.1:3306 to
// the server's unix socket.
//
// Test files are dealt to the lanes longest first (test/runner/timings.json, from earlier runs),
// each lane runs its files in band, and at the end the runner prints the per-suite wall-time
// table and one closing line: "N passed, N failed".
//
// Usage: tsx test/runner/lanes.ts [path filters…]   (scripts/test.sh sets the environment)
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus } from 'node:os';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { ensureTemplate } from '../support/db-template';
import { FIGURES_FILE } from '../support/figures';
import { scanRun } from './secret-scan';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const SANDBOX_SCRIPT = join(ROOT, 'scripts', 'asterisk-sandbox.sh');
const TIMINGS_FILE = join(__dirname, 'timings.json');
const JEST = join(ROOT, 'node_modules', '.bin', 'jest');
// A suite with no recorded time counts as this many seconds when the lanes are dealt.
const UNKNOWN_SUITE_SECONDS = 30;
const EXIT_GRACE_MS = 20_000;
const RUNS_DIR = '/var/cache/switchboard';

interface Lane {
  index: number;
  netns: string;
  sandboxDir: string;
  files: string[];
  expectedSeconds: number;
  resultsFile: string;
  socat?: ChildProcess;
  jest?: ChildProcess;
}

interface JestFileResult {
  name: string;
  status: 'passed' | 'failed';
  message: string;
  startTime: number;
  endTime: number;
  assertionResults: Array<{ status: string; fullName: string; failureMessages?: string[] }>;
}

// What the suites measured (test/support/figures.ts), one line each.
function printFigures(): void {
  if (!existsSync(FIGURES_FILE)) return;
  const lines = readFileSync(FIGURES_FILE, 'utf8').split('\n').filter(Boolean);
  if (lines.length === 0) return;
  process.stdout.write('\nFigures measured by the suites:\n');
  for (const line of lines) {
    const f = JSON.parse(line) as { name: string; value: number; unit: string };
    process.stdout.write(`  ${f.name}: ${f.value} ${f.unit}\n`);
  }
}

function failureDigest(r: JestFileResult): string {
  const failed = r.assertionResults.filter((a) => a.status === 'failed');
  // A suite that broke outside any test (beforeAll, a syntax error) has only its message.
  const parts = failed.length
    ? failed.map((a) => ({ title: a.fullName, text: (a.failureMessages ?? []).join('\n') }))
    : [{ title: '(the suite itself)', text: r.message }];
  return parts
    .map(({ title, text }) => {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: jest colours its messages
      const plain = text.replace(/\u001b\[[0-9;]*m/g, '');
      const lines = plain
        .split('\n')
        .filter((l) => l.trim() !== '')
        .slice(0, 14);
      return `FAILED TEST ${relative(ROOT, r.name)} › ${title}\n${lines.map((l) => `    ${l}\n`).join('')}`;
    })
    .join('');
}

interface JestResults {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTotalTests: number;
  numFailedTestSuites: number;
  numRuntimeErrorTestSuites: number;
  testResults: JestFileResult[];
}

function say(text: string): void {
  process.stderr.write(`\x1b[1m[switchboard]\x1b[0m ${text}\n`);
}

function laneCount(): number {
  const asked = Number(process.env['TEST_LANES']);
  if (Number.isInteger(asked) && asked >= 1 && asked <= 16) return asked;
  // The lanes mostly wait on calls, timers and Asterisk; two per core keeps both cores busy.
  return Math.max(2, Math.min(6, cpus().length * 2));
}

async function listTests(filters: string[]): Promise<string[]> {
  const { stdout } = await run(JEST, ['--listTests', '--json', ...filters], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  return (JSON.parse(stdout) as string[]).map((f) => relative(ROOT, f)).sort();
}

function readTimings(): Record<string, number> {
  if (!existsSync(TIMINGS_FILE)) return {};
  return JSON.parse(readFileSync(TIMINGS_FILE, 'utf8')) as Record<string, number>;
}

// Longest processing time first: each suite goes to the lane that would finish earliest.
function deal(files: string[], timings: Record<string, number>, lanes: Lane[]): void {
  const cost = (f: string) => timings[f] ?? UNKNOWN_SUITE_SECONDS;
  for (const file of [...files].sort((a, b) => cost(b) - cost(a) || a.localeCompare(b))) {
    const lane = lanes.reduce((best, l) => (l.expectedSeconds < best.expectedSeconds ? l : best));
    lane.files.push(file);
    lane.expectedSeconds += cost(file);
  }
}

async function mariadbSocket(): Promise<string> {
  const server = new URL(process.env['TEST_MYSQL_SERVER'] ?? 'mysql://root@127.0.0.1:3306');
  const { stdout } = await run('mysql', [
    '--protocol=tcp',
    '-h',
    server.hostname,
    '-P',
    server.port || '3306',
    '-u',
    decodeURIComponent(server.username || 'root'),
    '-N',
    '-e',
    'SELECT @@socket',
  ]);
  const socket = stdout.trim();
  if (!socket || !existsSync(socket)) throw new Error(`MariaDB's unix socket (${socket}) is not there`);
  return socket;
}

// Every lane's Asterisk also serves the AMI over TLS (the sandbox makes its certificate), for the
// suites that run Switchboard as if on another host (TEST_ASTERISK_CONTROL=ami, test/support/app.ts).
const AMI_SECRET = randomBytes(18)
  .toString('base64url')
  .replace(/[^A-Za-z0-9]/g, '');

function laneEnv(lane: Lane, runDir: string): NodeJS.ProcessEnv {
  const d = lane.sandboxDir;
  return {
    ...process.env,
    SANDBOX_DIR: d,
    CARRIER_SANDBOX_DIR: `${runDir}/lane-${lane.index}-carrier`,
    ARI_PORT: '8088',
    SIP_PORT: '5060',
    RTP_START: '10000',
    ARI_URL: 'http://127.0.0.1:8088',
    ASTERISK_CONFIG_DIR: `${d}/etc/asterisk/switchboard`,
    ASTERISK_SOUNDS_DIR: `${d}/usr/share/asterisk/sounds`,
    ASTERISK_SPOOL_DIR: `${d}/var/spool/asterisk`,
    ASTERISK_LOG_DIR: `${d}/var/log/asterisk`,
    // Straight into the chroot: the sandbox script's own checks cost a dozen processes a call.
    ASTERISK_CLI: `chroot ${d} asterisk -rx`,
    AMI_SECRET,
    AMI_PORT: '5039',
    AMI_TLS_CA: `${d}/var/lib/asterisk/keys/manager.crt`,
    TEST_MYSQL_SERVER: 'mysql://root@127.0.0.1:3306',
    // Suites look for what the product leaves in the temporary folder: each lane has its own.
    TMPDIR: `${runDir}/lane-${lane.index}-tmp`,
    // One secrets.key for the run: every Switchboard of every lane seals with it.
    SWITCHBOARD_STATE_DIR: `${runDir}/state`,
    TEST_LANE: String(lane.index),
    TEST_RUN_DIR: runDir,
    FORCE_COLOR: '0',
  };
}

async function inLane(lane: Lane, env: NodeJS.ProcessEnv, cmd: string[]): Promise<string> {
  const { stdout } = await run('nsenter', [`--net=/run/netns/${lane.netns}`, ...cmd], {
    env,
    timeout: 120_000,
    maxBuffer: 4 * 1024 * 1024,
  });
  return stdout;
}

async function setUpLane(lane: Lane, runDir: string, socket: string): Promise<void> {
  mkdirSync(`${runDir}/lane-${lane.index}-tmp`, { recursive: true });
  await run('ip', ['netns', 'add', lane.netns]);
  await run('nsenter', [`--net=/run/netns/${lane.netns}`, 'ip', 'link', 'set', 'lo', 'up']);
  lane.socat = spawn(
    'nsenter',
    [
      `--net=/run/netns/${lane.netns}`,
      'socat',
      'TCP-LISTEN:3306,bind=127.0.0.1,reuseaddr,fork',
      `UNIX-CONNECT:${socket}`,
    ],
    { stdio: 'ignore' },
  );
  const env = laneEnv(lane, runDir);
  // The database forward must answer before any suite connects.
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await inLane(lane, env, ['mysqladmin', '--protocol=tcp', '-h', '127.0.0.1', '-u', 'root', 'ping']);
      break;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`lane ${lane.index}: MariaDB is not reachable: ${err}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await inLane(lane, env, ['bash', SANDBOX_SCRIPT, 'start', '--clean']);
}

async function tearDownLane(lane: Lane, runDir: string): Promise<void> {
  lane.jest?.kill('SIGKILL');
  const env = laneEnv(lane, runDir);
  // Whatever the suites left in the lane (sipp, baresip, chromium) goes with it.
  const pids = await run('ip', ['netns', 'pids', lane.netns]).catch(() => ({ stdout: '' }));
  for (const pid of pids.stdout.split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone already
    }
  }
  for (const dir of [lane.sandboxDir, String(env['CARRIER_SANDBOX_DIR'])]) {
    await run('bash', [SANDBOX_SCRIPT, 'destroy'], { env: { ...env, SANDBOX_DIR: dir } }).catch(
      () => undefined,
    );
  }
  await run('ip', ['netns', 'del', lane.netns]).catch(() => undefined);
}

function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => (l.split(' ')[1] ?? '').replace(/\\040/g, ' '))
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort()
    .reverse();
}

// Every sandbox a run made (lanes, carriers, the newcomer's) goes, then the run's folder: never
// rm -r while anything is mounted below it (a sandbox binds the host's /dev).
async function removeRunDir(runDir: string): Promise<void> {
  if (!existsSync(runDir)) return;
  for (const entry of readdirSync(runDir)) {
    if (!entry.endsWith('.overlay')) continue;
    const sandbox = join(runDir, entry.slice(0, -'.overlay'.length));
    await run('bash', [SANDBOX_SCRIPT, 'destroy'], { env: { ...process.env, SANDBOX_DIR: sandbox } }).catch(
      () => undefined,
    );
  }
  for (const m of mountsUnder(runDir)) await run('umount', ['-l', m]).catch(() => undefined);
  if (mountsUnder(runDir).length > 0) {
    say(`left ${runDir} in place: something is still mounted below it`);
    return;
  }
  rmSync(runDir, { recursive: true, force: true });
}

// A run that was killed (SIGKILL, a lost machine) left its namespaces and sandboxes behind.
async function removeStaleRuns(): Promise<void> {
  if (!existsSync(RUNS_DIR)) return;
  for (const entry of readdirSync(RUNS_DIR)) {
    if (!entry.startsWith('run-')) continue;
    const runDir = join(RUNS_DIR, entry);
    let pid = 0;
    try {
      pid = Number(readFileSync(join(runDir, 'runner.pid'), 'utf8').trim());
    } catch {
      // no pid file: a run killed before it wrote one
    }
    if (pid > 0 && existsSync(`/proc/${pid}`)) continue;
    const runId = entry.slice('run-'.length);
    const { stdout } = await run('ip', ['netns', 'list']).catch(() => ({ stdout: '' }));
    for (const ns of stdout.split('\n').map((l) => l.split(' ')[0] ?? '')) {
      if (!ns.startsWith(`sb-${runId}-`)) continue;
      const pids = await run('ip', ['netns', 'pids', ns]).catch(() => ({ stdout: '' }));
      for (const p of pids.stdout.split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(p), 'SIGKILL');
        } catch {
          // gone already
        }
      }
      await run('ip', ['netns', 'del', ns]).catch(() => undefined);
    }
    say(`removing ${runDir}, left by a run that did not finish`);
    await removeRunDir(runDir);
  }
}

// Shown, and kept in the run's logs folder for the secret scan (secret-scan.ts).
function pipePrefixed(stream: NodeJS.ReadableStream | null, prefix: string, keep: string): void {
  if (!stream) return;
  createInterface({ input: stream }).on('line', (line) => {
    process.stdout.write(`${prefix}${line}\n`);
    appendFileSync(keep, `${line}\n`);
  });
}

function runLane(lane: Lane, runDir: string, jestArgs: string[]): Promise<number> {
  const env = laneEnv(lane, runDir);
  const child = spawn(
    'nsenter',
    [
      `--net=/run/netns/${lane.netns}`,
      // Below the media peers and Asterisk (test/support/env.ts, MEDIA_PRIORITY).
      'nice',
      '-n',
      '10',
      JEST,
      '--runInBand',
      '--ci',
      '--json',
      `--outputFile=${lane.resultsFile}`,
      ...jestArgs,
      '--runTestsByPath',
      ...lane.files,
    ],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  lane.jest = child;
  const keep = join(runDir, 'logs', `lane-${lane.index}.out`);
  mkdirSync(join(runDir, 'logs'), { recursive: true });
  pipePrefixed(child.stdout, `[lane ${lane.index}] `, keep);
  pipePrefixed(child.stderr, `[lane ${lane.index}] `, keep);
  // jest must exit by itself once it has written its results: a handle left open by a suite is a
  // failure to find, not something to wait on until CI's limit.
  let hung = false;
  const watchdog = setInterval(() => {
    if (!existsSync(lane.resultsFile)) return;
    clearInterval(watchdog);
    setTimeout(() => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      hung = true;
      say(
        `lane ${lane.index}: jest did not exit ${EXIT_GRACE_MS / 1000} s after its last suite (an open handle)`,
      );
      child.kill('SIGKILL');
    }, EXIT_GRACE_MS).unref();
  }, 500);
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      clearInterval(watchdog);
      resolve(hung ? 1 : (code ?? (signal ? 1 : 0)));
    }),
  );
}

function printTable(results: JestFileResult[], laneOf: Map<string, number>): void {
  const rows = results
    .map((r) => ({
      file: relative(ROOT, r.name),
      seconds: (r.endTime - r.startTime) / 1000,
      tests: r.assertionResults.length,
      status: r.status,
    }))
    .sort((a, b) => b.seconds - a.seconds);
  const total = rows.reduce((s, r) => s + r.seconds, 0);
  process.stdout.write(
    '\nPer-suite wall time (slowest 10 first; the full table is in test-results/timings.txt):\n',
  );
  const line = (r: (typeof rows)[number]) =>
    `${r.seconds.toFixed(1).padStart(8)} s  ${String(r.tests).padStart(4)} tests  lane ${laneOf.get(r.file) ?? '?'}  ${r.status === 'passed' ? '' : 'FAILED '}${r.file}`;
  for (const r of rows.slice(0, 10)) process.stdout.write(`${line(r)}\n`);
  process.stdout.write(
    `${total.toFixed(1).padStart(8)} s  in ${rows.length} suites, summed over the lanes\n`,
  );
  mkdirSync(join(ROOT, 'test-results'), { recursive: true });
  writeFileSync(join(ROOT, 'test-results', 'timings.txt'), `${rows.map(line).join('\n')}\n`);
  // What the next run deals the lanes with (commit it when suites were added or got slower).
  const timings = Object.fromEntries(
    [...rows].sort((a, b) => a.file.localeCompare(b.file)).map((r) => [r.file, Math.round(r.seconds)]),
  );
  writeFileSync(join(ROOT, 'test-results', 'timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  // Arguments that start with - go to jest; the others select test files.
  const jestArgs = argv.filter((a) => a.startsWith('-'));
  const filters = argv.filter((a) => !a.startsWith('-'));
  const files = await listTests(filters);
  if (files.length === 0) {
    say(`no test file matches ${filters.join(' ')}`);
    return 1;
  }
  const runId = `${process.pid.toString(36)}${randomBytes(2).toString('hex')}`;
  const runDir = join(RUNS_DIR, `run-${runId}`);
  const count = Math.min(laneCount(), files.length);
  const lanes: Lane[] = Array.from({ length: count }, (_, i) => ({
    index: i + 1,
    netns: `sb-${runId}-${i + 1}`,
    sandboxDir: `${runDir}/lane-${i + 1}`,
    files: [],
    expectedSeconds: 0,
    resultsFile: join(runDir, `lane-${i + 1}.json`),
  }));
  deal(files, readTimings(), lanes);
  await removeStaleRuns().catch((err: unknown) => say(`could not clean up earlier runs: ${String(err)}`));
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(runDir, 'runner.pid'), `${process.pid}\n`);

  // One teardown, however often it is asked for: a second caller waits for the first.
  let tornDown: Promise<void> | null = null;
  const tearDown = (): Promise<void> => {
    tornDown ??= (async () => {
      await Promise.all(lanes.map((l) => tearDownLane(l, runDir)));
      for (const l of lanes) l.socat?.kill('SIGKILL');
      await removeRunDir(runDir);
    })();
    return tornDown;
  };
  // `on`, not `once`: npm and tsx pass a signal on too, and a second one must not cut the
  // teardown short (it would leave namespaces, Asterisks and mounts behind).
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      void tearDown().finally(() => process.exit(130));
    });
  }

  try {
    const started = Date.now();
    rmSync(FIGURES_FILE, { force: true }); // this run's figures only
    const socket = await mariadbSocket();
    const template = await ensureTemplate(process.env['TEST_MYSQL_SERVER'] ?? 'mysql://root@127.0.0.1:3306');
    process.env['TEST_DB_TEMPLATE'] = template;
    say(`test databases are copies of ${template} (migrated once)`);
    say(
      `${files.length} suites in ${count} lanes (network namespaces sb-${runId}-N, sandboxes in ${runDir})`,
    );
    await Promise.all(lanes.map((l) => setUpLane(l, runDir, socket)));
    say(`lanes ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    for (const l of lanes)
      say(`lane ${l.index}: ${l.files.length} suites, ~${Math.round(l.expectedSeconds)} s`);
    const codes = await Promise.all(lanes.map((l) => runLane(l, runDir, jestArgs)));

    const results: JestFileResult[] = [];
    const laneOf = new Map<string, number>();
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    let brokenSuites = 0;
    for (const lane of lanes) {
      if (!existsSync(lane.resultsFile)) {
        say(`lane ${lane.index} wrote no results (jest exited ${codes[lane.index - 1]})`);
        brokenSuites += lane.files.length;
        continue;
      }
      const r = JSON.parse(readFileSync(lane.resultsFile, 'utf8')) as JestResults;
      passed += r.numPassedTests;
      failed += r.numFailedTests;
      skipped += r.numPendingTests;
      brokenSuites += r.numRuntimeErrorTestSuites;
      for (const t of r.testResults) {
        results.push(t);
        laneOf.set(relative(ROOT, t.name), lane.index);
      }
      const ran = new Set(r.testResults.map((t) => relative(ROOT, t.name)));
      for (const f of lane.files) {
        if (!ran.has(f)) {
          say(`lane ${lane.index}: ${f} did not run`);
          brokenSuites += 1;
        }
      }
    }
    printTable(results, laneOf);
    printFigures();
    const failedSuites = results.filter((r) => r.status !== 'passed').map((r) => relative(ROOT, r.name));
    for (const f of failedSuites) process.stdout.write(`FAILED SUITE ${f}\n`);
    // CI keeps only the tail of the output: each failure is repeated here, short, so the tail
    // alone says which test failed and why.
    for (const r of results.filter((x) => x.status !== 'passed')) process.stdout.write(failureDigest(r));
    // Before the teardown removes them: no secret the suites set may appear in any log of the run.
    const scan = scanRun(
      runDir,
      lanes.map((l) => ({
        sandboxDir: l.sandboxDir,
        carrierDir: `${runDir}/lane-${l.index}-carrier`,
        tmpDir: `${runDir}/lane-${l.index}-tmp`,
      })),
    );
    say(
      `secret scan: ${scan.secrets} secrets the suites set, searched in ${scan.files} log files (${(scan.bytes / 1e6).toFixed(1)} MB): ${scan.leaks.length} found`,
    );
    for (const l of scan.leaks) {
      process.stdout.write(`SECRET IN LOG ${relative(runDir, l.file)}:${l.line} (${l.hint})\n`);
    }
    if (scan.leaks.length > 0) brokenSuites += 1;
    const wall = ((Date.now() - started) / 1000).toFixed(0);
    say(`jest lanes: ${wall} s wall, ${results.length} suites, exit codes ${codes.join(' ')}`);
    const ok = failed === 0 && brokenSuites === 0 && failedSuites.length === 0 && codes.every((c) => c === 0);
    // The plain closing line CI reads, alone on its line.
    process.stdout.write(`${passed} passed, ${failed + brokenSuites} failed, ${skipped} skipped\n`);
    return ok ? 0 : 1;
  } finally {
    await tearDown();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    say(`runner failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
