import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../test/support/app';
import { ariObject, asteriskCli, sandbox } from '../test/support/asterisk';
import { requireAsterisk, testEnv } from '../test/support/env';
import { sipRegister } from '../test/support/sip-register';

// Apply latency against a real Asterisk. Prints (a) a full apply from an empty Asterisk,
// (b) one extension's create and one's change until ARI shows it and a REGISTER with its
// secret succeeds, (c) Asterisk's own `module reload res_pjsip.so` on the same files, (d) one
// delete until `pjsip show endpoint` no longer finds it and REGISTER is refused, (e) a burst of
// 100 mixed operations (creates, secret changes, deletes) sent at once until every one is live,
// and ratios.
const SIZES = (process.env['BENCH_SIZES'] ?? '1000,10000').split(',').map(Number);
const REPEAT = Number(process.env['BENCH_REPEAT'] ?? 5);

const ariAuth = {
  authorization: `Basic ${Buffer.from(`${testEnv.ariUsername}:${testEnv.ariPassword}`).toString('base64')}`,
};
const now = () => performance.now();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

// `pjsip show endpoint <n>` through the sandbox's control socket, as an admin would ask.
const pjsipShows = async (number: string) =>
  !(await asteriskCli(`pjsip show endpoint ${number}`)).includes('Unable to find object');

async function endpointVisible(number: string): Promise<boolean> {
  const res = await fetch(`${testEnv.ariUrl}/ari/endpoints/PJSIP/${number}`, { headers: ariAuth });
  return res.status === 200;
}

// One line per measurement as it is taken, on stderr: a large run shows where it is.
const progress = (line: string) => process.stderr.write(`  ... ${line}\n`);

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 180_000): Promise<void> {
  const deadline = now() + timeoutMs;
  // A probe that throws (a REGISTER unanswered while Asterisk reloads) has not seen it yet.
  while (!(await probe().catch(() => false))) {
    if (now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

let port = 21000;
const register = (user: string, password: string) =>
  sipRegister({ server: '127.0.0.1', port: testEnv.sipPort, user, password, localPort: port++ });

async function seed(app: TestApp, count: number): Promise<void> {
  const rows = Array.from({ length: count }, (_, i) => ({
    number: String(100000 + i),
    display_name: `Bench ${i}`,
    sip_secret: `benchSecret${i}xxxxxxxx`,
    codecs: 'ulaw,alaw',
    max_contacts: 1,
  }));
  for (let i = 0; i < rows.length; i += 1000)
    await app.sb.deps.db('extensions').insert(rows.slice(i, i + 1000));
}

async function run(count: number): Promise<Record<string, number>> {
  await sandbox('stop');
  process.env['BENCH_CLEAN'] = '1';
  await sandbox('start', ['--clean']);
  const app = await startTestApp({ EXTENSION_MIN: '100', EXTENSION_MAX: '999999', APPLY_DEBOUNCE_MS: '0' });
  try {
    await seed(app, count);
    // (a) full apply from an empty Asterisk
    let t = now();
    const full = await app.applyNow();
    const a = now() - t;
    if (full.status !== 'succeeded') throw new Error(`full apply failed: ${full.error}`);
    progress(`(a) ${fmt(a)}`);

    // (b) create: POST → endpoint in ARI and REGISTER accepted
    const creates: number[] = [];
    const changes: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const number = String(900000 + i);
      t = now();
      const res = await app.api('POST', '/api/v1/extensions', {
        body: { number, display_name: 'Bench New', sip_secret: `newSecret${i}xxxxxxxx` },
      });
      if (res.status !== 201) throw new Error(res.text);
      await until('endpoint visible', () => endpointVisible(number));
      await until('REGISTER accepted', async () => (await register(number, `newSecret${i}xxxxxxxx`)) === 200);
      creates.push(now() - t);
      progress(`(b create) ${fmt(now() - t)}`);
    }
    // (b) change: PATCH secret → REGISTER with the new secret accepted
    for (let i = 0; i < REPEAT; i++) {
      const number = String(100000 + i * 7);
      const secret = `changedSecret${i}xxxxxx`;
      t = now();
      const res = await app.api('PATCH', `/api/v1/extensions/${number}`, { body: { sip_secret: secret } });
      if (res.status !== 200) throw new Error(res.text);
      await until('REGISTER with the new secret', async () => (await register(number, secret)) === 200);
      changes.push(now() - t);
    }
    // (d) delete: DELETE → `pjsip show endpoint` no longer finds it and REGISTER is refused
    const deletes: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const number = String(100000 + i * 13 + 3);
      t = now();
      const res = await app.api('DELETE', `/api/v1/extensions/${number}`);
      if (res.status !== 204) throw new Error(res.text);
      await until('pjsip show endpoint no longer finds it', async () => !(await pjsipShows(number)));
      await until(
        'REGISTER refused',
        async () => (await register(number, `benchSecret${i * 13 + 3}xxxxxxxx`)) !== 200,
      );
      deletes.push(now() - t);
      progress(`(d) ${fmt(now() - t)}`);
    }
    // (e) 100 mixed operations at once (40 creates, 30 secret changes, 30 deletes) until all live
    const bursts: number[] = [];
    for (let b = 0; b < REPEAT; b++) {
      const creates = Array.from({ length: 40 }, (_, i) => String(910000 + b * 100 + i));
      const changed = Array.from({ length: 30 }, (_, i) => String(100200 + b * 60 + i));
      const removed = Array.from({ length: 30 }, (_, i) => String(100230 + b * 60 + i));
      const secret = (n: string) => `burst${b}Secret${n}xx`;
      t = now();
      const answers = await Promise.all([
        ...creates.map((n) =>
          app.api('POST', '/api/v1/extensions', {
            body: { number: n, display_name: 'Burst', sip_secret: secret(n) },
          }),
        ),
        ...changed.map((n) =>
          app.api('PATCH', `/api/v1/extensions/${n}`, { body: { sip_secret: secret(n) } }),
        ),
        ...removed.map((n) => app.api('DELETE', `/api/v1/extensions/${n}`)),
      ]);
      const bad = answers.find((r) => r.status >= 300);
      if (bad) throw new Error(bad.text);
      await until('the burst is live', async () => {
        // One read at a time: a hundred at once would hold Asterisk's HTTP sessions the apply needs.
        for (const n of [...creates, ...changed]) {
          if ((await ariObject('auth', n))?.password !== secret(n)) return false;
        }
        for (const n of removed) if ((await ariObject('endpoint', n)) !== null) return false;
        return true;
      });
      await until(
        'a burst create registers',
        async () => (await register(creates[0]!, secret(creates[0]!))) === 200,
      );
      bursts.push(now() - t);
    }
    await app.applyNow();
    await app.settled();
    await app.close();
    // (c) Asterisk's own reload of the same files after one extension's secret changed in the
    // file, on an Asterisk that read them at start (no memory copies of Switchboard's).
    await sandbox('stop');
    await sandbox('start');
    const file = join(testEnv.asteriskConfigDir, 'pjsip.conf');
    const reloads: number[] = [];
    const original = readFileSync(file, 'utf8');
    for (let i = 0; i < 3; i++) {
      const number = String(100001 + i * 11);
      const secret = `reloadSecret${i}xxxxxxx`;
      writeFileSync(
        file,
        original.replace(
          `password = benchSecret${Number(number) - 100000}xxxxxxxx\n`,
          `password = ${secret}\n`,
        ),
      );
      t = now();
      const res = await fetch(`${testEnv.ariUrl}/ari/asterisk/modules/res_pjsip.so`, {
        method: 'PUT',
        headers: ariAuth,
      });
      if (res.status !== 204) throw new Error(`reload answered ${res.status}`);
      await until('REGISTER after reload', async () => (await register(number, secret)) === 200);
      reloads.push(now() - t);
    }
    writeFileSync(file, original);
    await fetch(`${testEnv.ariUrl}/ari/asterisk/modules/res_pjsip.so`, { method: 'PUT', headers: ariAuth });
    return {
      a,
      bCreate: median(creates),
      bChange: median(changes),
      c: median(reloads),
      bCreateMax: Math.max(...creates),
      bChangeMax: Math.max(...changes),
      d: median(deletes),
      dMax: Math.max(...deletes),
      e: median(bursts),
      eMax: Math.max(...bursts),
    };
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
}

async function main(): Promise<void> {
  requireAsterisk();
  console.log(`apply benchmark: ${SIZES.join(', ')} extensions, ${REPEAT} creates/changes each (medians)\n`);
  for (const size of SIZES) {
    const r = await run(size);
    const c = r['c']!;
    console.log(`${size} extensions`);
    console.log(
      `  (a) full apply from an empty Asterisk:          ${fmt(r['a']!)}   (a)/(c) = ${(r['a']! / c).toFixed(2)}  [target <= 1.5]`,
    );
    console.log(
      `  (b) create → in ARI + REGISTER accepted:        ${fmt(r['bCreate']!)} (max ${fmt(r['bCreateMax']!)})   (c)/(b) = ${(c / r['bCreate']!).toFixed(1)}x  [target < 100 ms, >= 20x]`,
    );
    console.log(
      `  (b) change secret → REGISTER with new accepted: ${fmt(r['bChange']!)} (max ${fmt(r['bChangeMax']!)})   (c)/(b) = ${(c / r['bChange']!).toFixed(1)}x`,
    );
    console.log(
      `  (d) delete → pjsip show + REGISTER refused:     ${fmt(r['d']!)} (max ${fmt(r['dMax']!)})   (c)/(d) = ${(c / r['d']!).toFixed(1)}x  [target p50 < 50 ms, max < 150 ms, >= 50x]`,
    );
    console.log(
      `  (e) 100 mixed operations at once, all live:     ${fmt(r['e']!)} (max ${fmt(r['eMax']!)})   (e)/(b create) = ${(r['e']! / r['bCreate']!).toFixed(1)}  [target <= 2]`,
    );
    console.log(`  (c) module reload res_pjsip.so (same files):    ${fmt(c)}\n`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
