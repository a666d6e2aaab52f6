import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestApp, type TestApp } from '../test/support/app';
import { sandbox } from '../test/support/asterisk';
import { requireAsterisk, testEnv } from '../test/support/env';

// Queue apply latency against a real Asterisk: BENCH_QUEUES queues (200) of BENCH_MEMBERS static
// members (50) drawn from BENCH_AGENTS extensions (2000), created through the API. Prints, as
// medians of BENCH_REPEAT runs: (b) one queue's strategy changed through the API until Asterisk's
// `queue show` reports it, with the apply's own duration, and (c) Asterisk's own
// `module reload app_queue.so` after the same change made directly in queues.conf, until
// `queue show` reports it. Both wait through the same CLI probe, whose cost is printed as (p).
const QUEUES = Number(process.env['BENCH_QUEUES'] ?? 200);
const MEMBERS = Number(process.env['BENCH_MEMBERS'] ?? 50);
const AGENTS = Number(process.env['BENCH_AGENTS'] ?? 2000);
const REPEAT = Number(process.env['BENCH_REPEAT'] ?? 5);
const FIRST_EXTENSION = 100000;
const FIRST_QUEUE = 700000;
const STRATEGIES = ['rrmemory', 'fewestcalls'] as const;

const ariAuth = {
  authorization: `Basic ${Buffer.from(`${testEnv.ariUsername}:${testEnv.ariPassword}`).toString('base64')}`,
};
const now = () => performance.now();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = now() + timeoutMs;
  while (!(await probe())) {
    if (now() > deadline) throw new Error(`timed out: ${what}`);
  }
}

// The sandbox's CLI straight through chroot: ARI has no view of queues, and the sandbox script
// costs about four times as much per call.
const run = promisify(execFile);
async function asteriskCli(command: string): Promise<string> {
  return (await run('chroot', [testEnv.sandboxDir, 'asterisk', '-rx', command], { timeout: 30_000 })).stdout;
}

const showsStrategy = async (number: number, strategy: string) =>
  (await asteriskCli(`queue show sb-queue-${number}`)).includes(`in '${strategy}' strategy`);

function queueBody(q: number, strategy: string) {
  return {
    number: String(FIRST_QUEUE + q),
    name: `Bench queue ${q}`,
    strategy,
    members: Array.from({ length: MEMBERS }, (_, i) => ({
      extension: String(FIRST_EXTENSION + ((q * 37 + i) % AGENTS)),
      penalty: i % 3,
    })),
    failover_destination: { type: 'hangup', target: '' },
  };
}

async function seedExtensions(app: TestApp): Promise<void> {
  const rows = Array.from({ length: AGENTS }, (_, i) => ({
    number: String(FIRST_EXTENSION + i),
    display_name: `Agent ${i}`,
    sip_secret: `benchSecret${i}xxxxxxxx`,
    codecs: 'ulaw,alaw',
    max_contacts: 1,
  }));
  for (let i = 0; i < rows.length; i += 1000)
    await app.sb.deps.db('extensions').insert(rows.slice(i, i + 1000));
}

async function main(): Promise<void> {
  requireAsterisk();
  console.log(
    `queues benchmark: ${QUEUES} queues × ${MEMBERS} static members (${AGENTS} extensions), ${REPEAT} changes (medians)\n`,
  );
  await sandbox('stop');
  await sandbox('start', ['--clean']);
  const app = await startTestApp({ EXTENSION_MIN: '100', EXTENSION_MAX: '999999', APPLY_DEBOUNCE_MS: '0' });
  try {
    await seedExtensions(app);
    const base = await app.applyNow();
    if (base.status !== 'succeeded') throw new Error(`extensions apply failed: ${base.error}`);

    // The queues go in through the API while the apply queue runs behind the writes (coalesced);
    // the forced apply at the end waits for the last of them.
    let t = now();
    for (let q = 0; q < QUEUES; q++) {
      const res = await app.api('POST', '/api/v1/queues', { body: queueBody(q, STRATEGIES[0]) });
      if (res.status !== 201) throw new Error(`queue ${q}: ${res.status} ${res.text}`);
    }
    await app.applyNow();
    const seeding = now() - t;
    const last = FIRST_QUEUE + QUEUES - 1;
    if (!(await showsStrategy(last, STRATEGIES[0]))) throw new Error('the last queue is not in Asterisk');
    const membersShown = (await asteriskCli(`queue show sb-queue-${last}`)).match(/PJSIP\/\d+/g)?.length;
    if (membersShown !== MEMBERS) throw new Error(`queue ${last} shows ${membersShown} members`);

    // (p) the probe's own cost
    const probes: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      t = now();
      await showsStrategy(last, STRATEGIES[0]);
      probes.push(now() - t);
    }

    // (b) one queue's strategy changed through the API → visible in Asterisk
    const changes: number[] = [];
    const applyDurations: number[] = [];
    let reloaded = '';
    for (let i = 0; i < REPEAT; i++) {
      const q = (i * 41) % QUEUES;
      const strategy = STRATEGIES[1];
      t = now();
      const res = await app.api('PUT', `/api/v1/queues/${FIRST_QUEUE + q}`, { body: queueBody(q, strategy) });
      if (res.status !== 200) throw new Error(`PUT queue ${q}: ${res.status} ${res.text}`);
      await until('the changed strategy in Asterisk', () => showsStrategy(FIRST_QUEUE + q, strategy));
      changes.push(now() - t);
      const revisions = await app.api('GET', '/api/v1/apply?limit=5');
      const rev = revisions.body.items.find(
        (r: { reasons: string[]; status: string }) => r.status === 'succeeded',
      );
      applyDurations.push(Number(rev?.durationMs ?? rev?.duration_ms));
      reloaded = `${(rev?.filesChanged ?? rev?.files_changed ?? []).join(', ')} → ${(rev?.modulesReloaded ?? rev?.modules_reloaded ?? []).join(', ')}`;
    }

    // (c) the same kind of change made in the file, then Asterisk's own module reload
    const file = join(testEnv.asteriskConfigDir, 'queues.conf');
    const original = readFileSync(file, 'utf8');
    const reloads: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const number = FIRST_QUEUE + ((i * 53 + 7) % QUEUES);
      const header = `[sb-queue-${number}]\nstrategy = `;
      const at = original.indexOf(header);
      if (at < 0) throw new Error(`queues.conf has no ${header}`);
      const current = original.slice(at + header.length).split('\n', 1)[0] as string;
      const other = current === STRATEGIES[0] ? STRATEGIES[1] : STRATEGIES[0];
      writeFileSync(file, original.replace(`${header}${current}\n`, `${header}${other}\n`));
      t = now();
      const res = await fetch(`${testEnv.ariUrl}/ari/asterisk/modules/app_queue.so`, {
        method: 'PUT',
        headers: ariAuth,
      });
      if (res.status !== 204) throw new Error(`reload answered ${res.status}`);
      await until('the strategy after the reload', () => showsStrategy(number, other));
      reloads.push(now() - t);
      writeFileSync(file, original);
      await fetch(`${testEnv.ariUrl}/ari/asterisk/modules/app_queue.so`, { method: 'PUT', headers: ariAuth });
      await until('the file restored', () => showsStrategy(number, current));
    }

    const b = median(changes);
    const c = median(reloads);
    const p = median(probes);
    const applyMs = median(applyDurations);
    const size = Buffer.byteLength(original);
    console.log(`${QUEUES} queues × ${MEMBERS} members (queues.conf ${(size / 1024).toFixed(0)} KiB)`);
    console.log(`  seeding: ${QUEUES} POSTs + the applies behind them:       ${fmt(seeding)}`);
    console.log(`  (p) CLI probe \`queue show\` (included in b and c):       ${fmt(p)}`);
    console.log(
      `  (b) PUT one queue → new strategy in \`queue show\`:        ${fmt(b)} (max ${fmt(Math.max(...changes))})`,
    );
    console.log(`      of which the apply itself (revision duration):      ${fmt(applyMs)}`);
    console.log(`      files changed → modules reloaded:                   ${reloaded}`);
    console.log(
      `  (c) edit queues.conf + module reload app_queue.so → shown: ${fmt(c)} (max ${fmt(Math.max(...reloads))})`,
    );
    console.log(
      `  ratios: (b)/(c) = ${(b / c).toFixed(2)}   apply/(c) = ${(applyMs / c).toFixed(2)}   ((b)-(p))/((c)-(p)) = ${((b - p) / Math.max(c - p, 0.001)).toFixed(2)}\n`,
    );
  } finally {
    await app.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
