import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import knex, { type Knex } from 'knex';
import { loadSealingKey, seal } from '../src/lib/sealed';
import { sandbox } from '../test/support/asterisk';
import { requireAsterisk, testEnv } from '../test/support/env';

// Memory of the production build (`node dist/src/main.js`, built by `npm run build`) from its
// start, through its start-up apply of N extensions (render, write, reload or pushes, read-back),
// to a settled process. The kernel's high-water mark
// (VmHWM in /proc/<pid>/status) is the peak; the settled figure is VmRSS averaged over the last
// 5 s of the settle window. The same start with 0 extensions, in the same run, is the baseline.
//
// BENCH_SIZES (default 0,10000; 0 is the baseline), BENCH_SETTLE_SECONDS (default 60),
// BENCH_REPEAT (default 1: the peak of a run varies with the GC's timing by a few MB; the worst
// run is reported). Three starts per size, see measure(). Exits 1 when a peak at 10,000 or more
// extensions is not under 256 MB.
const SIZES = (process.env['BENCH_SIZES'] ?? '0,10000').split(',').map(Number);
const SETTLE_MS = Number(process.env['BENCH_SETTLE_SECONDS'] ?? 60) * 1000;
const REPEAT = Number(process.env['BENCH_REPEAT'] ?? 1);
const TARGET_PEAK_MB = 256;
const ROOT = join(__dirname, '..');
const MAIN = join(ROOT, 'dist', 'src', 'main.js');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const DATABASE = 'sb_bench_startup_memory';
const run = promisify(execFile);

interface Sample {
  ms: number;
  rssKb: number;
  hwmKb: number;
}

type Scenario = 'first' | 'restart' | 'changed';
const SCENARIOS: Record<Scenario, string> = {
  first: '(a) first start, Asterisk empty',
  restart: '(b) restart, nothing changed',
  changed: '(c) restart, every endpoint changed',
};

interface Result {
  count: number;
  peakMb: number;
  peakAtS: number;
  settledMb: number;
  applyS: number;
  applyStatus: string;
}

const mb = (kb: number) => kb / 1024;
const progress = (line: string) => process.stderr.write(`  ... ${line}\n`);

function status(pid: number): { rssKb: number; hwmKb: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
    return { rssKb: field('VmRSS'), hwmKb: field('VmHWM') };
  } catch {
    return null;
  }
}

// A fresh database with N extensions whose secrets are already sealed (as on any start after
// the first), and an admin, so the measured start does what a restart does: no sealing pass,
// no argon2 hash of a first password.
async function prepare(count: number, env: NodeJS.ProcessEnv, stateDir: string): Promise<void> {
  const server = knex({ client: 'mysql2', connection: testEnv.mysqlServer });
  await server.raw(`DROP DATABASE IF EXISTS \`${DATABASE}\``);
  await server.destroy();
  await run('node', [CLI, 'admin', 'ensure'], { env, cwd: ROOT });
  if (count === 0) return;
  loadSealingKey(join(stateDir, 'secrets.key'));
  const db: Knex = knex({ client: 'mysql2', connection: `${testEnv.mysqlServer}/${DATABASE}` });
  try {
    for (let i = 0; i < count; i += 1000) {
      const rows = Array.from({ length: Math.min(1000, count - i) }, (_, j) => ({
        number: String(100000 + i + j),
        display_name: `Bench ${i + j}`,
        sip_secret: seal(`benchSecret${i + j}xxxxxxxx`),
        codecs: 'ulaw,alaw',
        max_contacts: 1,
      }));
      await db('extensions').insert(rows);
    }
  } finally {
    await db.destroy();
  }
}

async function startupApply(
  db: Knex,
  afterId: number,
): Promise<{ status: string; durationMs: number } | null> {
  const row = (await db('apply_revisions')
    .where('id', '>', afterId)
    .where('reasons', 'like', '%startup%')
    .whereNot('status', 'running')
    .orderBy('id', 'desc')
    .first()) as { status: string; duration_ms: number } | undefined;
  return row ? { status: row.status, durationMs: row.duration_ms } : null;
}

function switchboardEnv(stateDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: `${testEnv.mysqlServer}/${DATABASE}`,
    SWITCHBOARD_STATE_DIR: stateDir,
    ADMIN_USERNAME: 'admin',
    ADMIN_PASSWORD: 'bench-admin-password',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'warn',
    EXTENSION_MIN: '100',
    EXTENSION_MAX: '999999',
    CALLDATA_HISTORY: 'skip',
  };
}

// One start of the production build until its start-up apply ended and the settle window passed.
async function start(count: number, stateDir: string, extra: NodeJS.ProcessEnv = {}): Promise<Result> {
  const env = { ...switchboardEnv(stateDir), ...extra };
  const db = knex({
    client: 'mysql2',
    connection: `${testEnv.mysqlServer}/${DATABASE}`,
    pool: { min: 0, max: 1 },
  });
  let child: ChildProcess | null = null;
  try {
    const before = ((await db('apply_revisions').max('id as id').first()) as { id: number | null }).id ?? 0;
    const t0 = performance.now();
    child = spawn('node', [MAIN], { env, cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    const pid = child.pid!;
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    let gone = false;
    void exited.then(() => {
      gone = true;
    });
    const samples: Sample[] = [];
    const sampler = setInterval(() => {
      const s = status(pid);
      if (s) samples.push({ ms: performance.now() - t0, ...s });
    }, 20);
    let applied: { status: string; durationMs: number } | null = null;
    while (!applied) {
      if (gone) throw new Error('Switchboard exited before its start-up apply finished');
      if (performance.now() - t0 > 300_000) throw new Error('the start-up apply did not finish in 300 s');
      await new Promise((r) => setTimeout(r, 100));
      applied = await startupApply(db, before);
    }
    const appliedAt = performance.now() - t0;
    progress(`${count}: start-up apply ${applied.status} after ${(appliedAt / 1000).toFixed(1)} s`);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    clearInterval(sampler);
    if (gone) throw new Error('Switchboard exited during the settle window');
    const last = samples[samples.length - 1]!;
    const tail = samples.filter((s) => s.ms >= last.ms - 5000);
    const settledKb = tail.reduce((sum, s) => sum + s.rssKb, 0) / tail.length;
    const peak = samples.find((s) => s.rssKb === Math.max(...samples.map((x) => x.rssKb)))!;
    child.kill('SIGTERM');
    await exited;
    child = null;
    return {
      count,
      peakMb: mb(last.hwmKb),
      peakAtS: peak.ms / 1000,
      settledMb: mb(settledKb),
      applyS: appliedAt / 1000,
      applyStatus: applied.status,
    };
  } finally {
    if (child) child.kill('SIGKILL');
    await db.destroy();
  }
}

// (a) the first start onto an Asterisk that holds none of the extensions (a new or restored
// node: the apply writes, reloads and reads back all of them), (b) a restart of Switchboard
// alone, Asterisk holding the file it wrote (nothing changed), (c) a restart that changes every
// endpoint (here RTP_TIMEOUT_SECONDS; an upgrade that changes the template does the same): the
// apply parses both whole files, reloads, and pushes every changed endpoint again through ARI.
async function measure(count: number): Promise<Record<Scenario, Result>> {
  await sandbox('stop');
  await sandbox('start', ['--clean']);
  const stateDir = mkdtempSync(join(tmpdir(), 'sb-bench-mem-'));
  try {
    await prepare(count, switchboardEnv(stateDir), stateDir);
    const first = await start(count, stateDir);
    const restart = await start(count, stateDir);
    const changed = await start(count, stateDir, { RTP_TIMEOUT_SECONDS: '31' });
    return { first, restart, changed };
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

function line(label: string, r: Result, base: Result | null, target: boolean): string {
  const ratio = base ? `   peak/baseline = ${(r.peakMb / base.peakMb).toFixed(2)}` : '';
  const check = target
    ? `  [target < ${TARGET_PEAK_MB} MB: ${r.peakMb < TARGET_PEAK_MB ? 'met' : 'NOT MET'}]`
    : '';
  return [
    `  ${label}: start-up apply ${r.applyStatus} ${r.applyS.toFixed(1)} s after spawn`,
    `    peak RSS (VmHWM): ${r.peakMb.toFixed(1)} MB (highest VmRSS sample at ${r.peakAtS.toFixed(1)} s)${ratio}${check}`,
    `    settled RSS:      ${r.settledMb.toFixed(1)} MB`,
  ].join('\n');
}

async function main(): Promise<void> {
  requireAsterisk();
  console.log(
    `start-up memory benchmark: production build, ${SIZES.join(', ')} extensions, settle ${SETTLE_MS / 1000} s\n`,
  );
  const results = new Map<number, Array<Record<Scenario, Result>>>();
  for (let r = 0; r < REPEAT; r++) {
    for (const size of SIZES) {
      const result = await measure(size);
      for (const one of Object.values(result)) {
        if (!['succeeded', 'unchanged'].includes(one.applyStatus))
          throw new Error(`the start-up apply of ${size} extensions ended ${one.applyStatus}`);
      }
      results.set(size, [...(results.get(size) ?? []), result]);
    }
  }
  // The worst run of each: a peak is what the host must have room for.
  const worst = (size: number, which: Scenario) =>
    results
      .get(size)!
      .map((r) => r[which])
      .reduce((a, b) => (b.peakMb > a.peakMb ? b : a));
  let failed = false;
  for (const size of SIZES) {
    const target = size >= 10000;
    console.log(`${size} extensions`);
    for (const which of Object.keys(SCENARIOS) as Scenario[]) {
      const r = worst(size, which);
      const base = SIZES.includes(0) && size !== 0 ? worst(0, which) : null;
      if (target && r.peakMb >= TARGET_PEAK_MB) failed = true;
      console.log(line(SCENARIOS[which], r, base, target));
    }
    console.log('');
  }
  if (failed) throw new Error(`peak RSS at 10,000 extensions is not under ${TARGET_PEAK_MB} MB`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
