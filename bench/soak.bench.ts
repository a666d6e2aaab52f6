import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApiToken } from '../src/auth/tokens';
import { createKnex } from '../src/db/knex';
import { killAllCarrierSipp } from '../test/carrier/sipp';
import { startAgentPhone } from '../test/support/agents';
import { sandbox } from '../test/support/asterisk';
import { prepareTestDatabase } from '../test/support/db-template';
import { requireAsterisk, testEnv } from '../test/support/env';
import { killAllSipp, phoneFor, placeCall } from '../test/support/sip';
import { SwitchboardProcess } from '../test/support/switchboard-process';
import { CARRIER_IP, callFromTrunk } from '../test/support/trunk-caller';

// A bounded soak against the real parts: for SOAK_SECONDS (600), a carrier's calls arrive every
// SOAK_INBOUND_EVERY_MS (3000) through an IVR (the caller presses 1) into a queue answered by four
// sipp agents, an internal call is placed every SOAK_INTERNAL_EVERY_MS (5000), and three API
// clients read and change things all along. Switchboard runs as the production build in a
// process of its own. Reported: call success rate, journeys against calls placed (each call
// exactly one journey), API p50/p99, Switchboard's RSS over time (steady, drift, peak) and
// Asterisk's CPU. Targets (issue 17): 100 % of calls completed, journeys = calls placed, RSS drift
// over the run < 10 %, peak RSS < 256 MB. Run by `npm run bench` (BENCH_ONLY=soak) in a network
// namespace of its own, so it never meets another Asterisk's ports.

const SECONDS = Number(process.env['SOAK_SECONDS'] ?? 600);
const INBOUND_EVERY_MS = Number(process.env['SOAK_INBOUND_EVERY_MS'] ?? 3000);
const INTERNAL_EVERY_MS = Number(process.env['SOAK_INTERNAL_EVERY_MS'] ?? 5000);
const API_CLIENTS = 3;
const SAMPLE_MS = 5000;
const DID = '3225550999';
const AGENTS = ['2001', '2002', '2003', '2004'];

interface Sample {
  at: number; // s since the load started
  rssMb: number;
  hwmMb: number;
  asteriskCpu: number; // % of one core over the last interval
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};
const median = (xs: number[]) => pct(xs, 50);

function procStatusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

async function main(): Promise<void> {
  requireAsterisk();
  console.log(
    `soak: ${SECONDS} s, a carrier call every ${INBOUND_EVERY_MS} ms through an IVR into a queue of ${AGENTS.length} agents, an internal call every ${INTERNAL_EVERY_MS} ms, ${API_CLIENTS} API clients\n`,
  );
  await sandbox('stop');
  await sandbox('start', ['--clean']);
  const asteriskPid = Number(
    readFileSync(join(testEnv.sandboxDir, '.switchboard-asterisk.pid'), 'utf8').trim(),
  );
  const dbName = `sb_soak_${process.pid}`;
  await prepareTestDatabase(testEnv.mysqlServer, dbName);
  const db = createKnex(`${testEnv.mysqlServer}/${dbName}`, { min: 0, max: 2 });
  const sb = new SwitchboardProcess(
    {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      DATABASE_URL: `${testEnv.mysqlServer}/${dbName}`,
      ARI_URL: testEnv.ariUrl,
      ARI_USERNAME: testEnv.ariUsername,
      ARI_PASSWORD: testEnv.ariPassword,
      ASTERISK_CONFIG_DIR: testEnv.asteriskConfigDir,
      ASTERISK_SOUNDS_DIR: testEnv.asteriskSoundsDir,
      ASTERISK_SPOOL_DIR: testEnv.asteriskSpoolDir,
      ASTERISK_LOG_DIR: testEnv.asteriskLogDir,
      SWITCHBOARD_STATE_DIR: testEnv.stateDir,
      CALLDATA_HISTORY: 'skip',
      ANALYTICS_INGEST_SECONDS: '10',
      ADMIN_PASSWORD: 'soak-admin-password-1',
      SIP_AUTH_USERNAME: 'number',
      SIP_BAN_ALLOWLIST: '127.0.0.1',
    },
    'build',
  );
  await sb.start();
  const pid = sb.pid!;
  const admin = (await db('users').where({ username: 'admin' }).first()) as { id: number };
  const token = await createApiToken(db, admin.id, 'soak');
  const latencies: number[] = [];
  let apiErrors = 0;
  const api = async (method: string, path: string, body?: unknown, timed = false) => {
    const started = performance.now();
    const res = await fetch(sb.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : null,
    });
    const text = await res.text();
    if (timed) latencies.push(performance.now() - started);
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, text };
  };
  const must = async (method: string, path: string, body?: unknown) => {
    const res = await api(method, path, body);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
    return res.body;
  };

  try {
    const secrets = new Map<string, string>();
    for (const n of [...AGENTS, '1001', '1101']) {
      const created = await must('POST', '/api/v1/extensions', { number: n, display_name: `Soak ${n}` });
      secrets.set(n, created['sip_secret'] as string);
    }
    await must('POST', '/api/v1/queues', {
      number: '801',
      name: 'Soak queue',
      strategy: 'rrmemory',
      members: AGENTS.map((extension) => ({ extension })),
      ring_seconds: 15,
      retry_seconds: 1,
      join_when_empty: true,
      failover_destination: { type: 'hangup' },
    });
    const ivr = await must('POST', '/api/v1/ivrs', {
      name: 'Soak menu',
      prompt_greeting_id: null,
      options: [{ digit: '1', destination: { type: 'queue', target: '801' } }],
      timeout_seconds: 5,
      max_retries: 1,
      invalid_destination: { type: 'hangup', target: '' },
    });
    await must('POST', '/api/v1/trunks', {
      name: 'soak-carrier',
      kind: 'ip',
      host: CARRIER_IP,
      peer_addresses: [CARRIER_IP],
      qualify: false,
    });
    await must('POST', '/api/v1/inbound-routes', {
      name: 'soak line',
      did: DID,
      destination: { type: 'ivr', target: String(ivr['id']) },
    });
    await must('POST', '/api/v1/apply');
    const horizon = (SECONDS + 300) * 1000;
    for (const n of [...AGENTS, '1101']) await startAgentPhone(n, secrets.get(n)!, horizon);
    const caller = await phoneFor('1001', secrets.get('1001')!);

    const startIso = new Date(Date.now() - 1000).toISOString();
    const started = Date.now();
    const end = started + SECONDS * 1000;
    const samples: Sample[] = [];
    let lastTicks = cpuTicks(asteriskPid);
    let lastAt = Date.now();
    const sampler = setInterval(() => {
      const ticks = cpuTicks(asteriskPid);
      const now = Date.now();
      samples.push({
        at: Math.round((now - started) / 1000),
        rssMb: procStatusMb(pid, 'VmRSS'),
        hwmMb: procStatusMb(pid, 'VmHWM'),
        asteriskCpu: ((ticks - lastTicks) / 100 / ((now - lastAt) / 1000)) * 100,
      });
      lastTicks = ticks;
      lastAt = now;
    }, SAMPLE_MS);

    const inbound: Array<Promise<boolean>> = [];
    const internal: Array<Promise<boolean>> = [];
    const inboundCallers: string[] = [];
    const inboundLoop = (async () => {
      for (let i = 0; Date.now() < end; i++) {
        const callerId = `3229${String(i).padStart(6, '0')}`;
        inboundCallers.push(callerId);
        inbound.push(
          callFromTrunk({
            did: DID,
            callerId,
            digits: '1',
            hangup: 'caller',
            holdMs: 10_000,
            answerTimeoutMs: 20_000,
          })
            .then((r) => r.ok)
            .catch(() => false),
        );
        await sleep(INBOUND_EVERY_MS);
      }
    })();
    const internalLoop = (async () => {
      while (Date.now() < end) {
        internal.push(
          placeCall(caller, '1101', { talkMs: 4_000 })
            .exited.then((r) => r.code === 0)
            .catch(() => false),
        );
        await sleep(INTERNAL_EVERY_MS);
      }
    })();
    const clients = Array.from({ length: API_CLIENTS }, async (_, k) => {
      for (let n = 0; Date.now() < end; n++) {
        const op = n % 5;
        const res =
          op === 0
            ? await api('GET', '/api/v1/extensions?limit=50', undefined, true)
            : op === 1
              ? await api('GET', '/api/v1/calls?limit=20', undefined, true)
              : op === 2
                ? await api(
                    'PATCH',
                    '/api/v1/extensions/1001',
                    { display_name: `Soak caller ${k}.${n}` },
                    true,
                  )
                : op === 3
                  ? await api('GET', '/api/v1/queues/801/live', undefined, true)
                  : await api(
                      'PUT',
                      '/api/v1/extensions/1101/call-handling',
                      { dnd: false, forward: { always: null, busy: null, noAnswer: n % 2 ? '1001' : null } },
                      true,
                    );
        if (res.status >= 300) apiErrors++;
        await sleep(250);
      }
    });
    await Promise.all([inboundLoop, internalLoop, ...clients]);
    const inboundOk = await Promise.all(inbound);
    const internalOk = await Promise.all(internal);
    clearInterval(sampler);

    // Every call placed has exactly one journey: by its unique caller ID for the carrier's calls,
    // by count for the internal ones.
    const placed = inboundOk.length + internalOk.length;
    const journeys: Array<{ caller_number: string; called_number: string }> = [];
    const deadline = Date.now() + 180_000;
    for (;;) {
      journeys.length = 0;
      for (let page = 1; ; page++) {
        const res = await api('GET', `/api/v1/calls?from=${startIso}&limit=200&page=${page}`);
        const items = res.body['items'] as Array<{ caller_number: string; called_number: string }>;
        journeys.push(...items);
        if (items.length < 200) break;
      }
      if (journeys.length >= placed || Date.now() > deadline) break;
      await sleep(2_000);
    }
    const perCaller = new Map<string, number>();
    for (const j of journeys) perCaller.set(j.caller_number, (perCaller.get(j.caller_number) ?? 0) + 1);
    const inboundExactlyOnce = inboundCallers.filter((c) => perCaller.get(c) === 1).length;
    const internalJourneys = journeys.filter(
      (j) => j.caller_number === '1001' && j.called_number === '1101',
    ).length;

    // Drift is judged on the steady part of the run: after a warm-up of 20 % (at least 2 min: JIT,
    // pools filling, the first ingests and rollups, V8 sizing its heap before its first major
    // collection), the median RSS of its last third against that of its first third. A leak
    // shows as a rise between them; one transient does not move a median.
    const warmUp = Math.max(120, SECONDS * 0.2);
    const steady = samples.filter((s) => s.at >= warmUp);
    const third = Math.max(1, Math.floor(steady.length / 3));
    const early = steady.slice(0, third).map((s) => s.rssMb);
    const late = steady.slice(-third).map((s) => s.rssMb);
    const drift = early.length && late.length ? (median(late) / median(early) - 1) * 100 : 0;
    const steadyRss = steady.map((s) => s.rssMb);
    const peak = Math.max(...samples.map((s) => s.hwmMb));
    const completed = inboundOk.filter(Boolean).length + internalOk.filter(Boolean).length;
    const cpu = samples.map((s) => s.asteriskCpu);

    console.log('RSS over time (s: MB):');
    console.log(
      samples
        .filter((_, i) => i % 6 === 0)
        .map((s) => `${s.at}: ${s.rssMb.toFixed(0)}`)
        .join('  '),
    );
    const rows: Array<[string, string, string]> = [
      [
        'calls placed (carrier via IVR+queue / internal)',
        `${placed} (${inboundOk.length} / ${internalOk.length})`,
        '',
      ],
      [
        'calls completed',
        `${completed} (${((completed / placed) * 100).toFixed(1)} %)`,
        completed === placed ? 'PASS (100 %)' : 'FAIL (target 100 %)',
      ],
      [
        'journeys = calls placed',
        `${journeys.length} journeys; carrier calls with exactly one: ${inboundExactlyOnce}/${inboundCallers.length}; internal: ${internalJourneys}/${internalOk.length}`,
        journeys.length === placed &&
        inboundExactlyOnce === inboundCallers.length &&
        internalJourneys === internalOk.length
          ? 'PASS'
          : 'FAIL',
      ],
      [
        'API requests (p50 / p99), errors',
        `${latencies.length} (${median(latencies).toFixed(1)} ms / ${pct(latencies, 99).toFixed(1)} ms), ${apiErrors}`,
        apiErrors === 0 ? 'PASS' : 'FAIL (errors)',
      ],
      [
        `Switchboard RSS after ${warmUp} s (first → last third)`,
        `${median(early).toFixed(0)} → ${median(late).toFixed(0)} MB (drift ${drift.toFixed(1)} %, range ${Math.min(...steadyRss).toFixed(0)}–${Math.max(...steadyRss).toFixed(0)} MB)`,
        Math.abs(drift) < 10 ? 'PASS (< 10 %)' : 'FAIL (target < 10 %)',
      ],
      [
        'Switchboard peak RSS (VmHWM)',
        `${peak.toFixed(0)} MB`,
        peak < 256 ? 'PASS (< 256 MB)' : 'FAIL (target < 256 MB)',
      ],
      [
        'Asterisk CPU (mean / peak, % of a core)',
        `${(cpu.reduce((a, b) => a + b, 0) / cpu.length).toFixed(1)} / ${Math.max(...cpu).toFixed(1)}`,
        '',
      ],
    ];
    console.log('');
    for (const [what, value, verdict] of rows)
      console.log(`${what.padEnd(52)} ${value.padEnd(70)} ${verdict}`);
    if (rows.some(([, , v]) => v.startsWith('FAIL'))) process.exitCode = 1;
  } finally {
    killAllSipp();
    killAllCarrierSipp();
    await sb.kill('SIGTERM');
    await db.raw(`DROP DATABASE IF EXISTS \`${dbName}\``).catch(() => undefined);
    await db.destroy();
    await sandbox('stop');
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
