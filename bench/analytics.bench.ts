import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { rollupOnce } from '../src/analytics/rollup';
import { createKnex, ensureDatabase } from '../src/db/knex';
import { kpiValue, runReport, type Sums } from '../src/reports/service';
import type { Grouping, Kpi, ReportResult } from '../src/reports/types';
import { testEnv } from '../test/support/env';

// Call analytics at scale, on a MariaDB database of its own (no Asterisk): for each size in
// BENCH_SIZES (1000000,10000000) synthetic journeys over BENCH_DAYS (60) days, with their
// parties, are generated in chronological batches of BENCH_BATCH (100000) inside MariaDB (the
// Sequence engine: nothing big passes through Node). After each batch rollupOnce folds it in,
// timed. Then each main report over the last 30 days runs from the rollups (runReport) and as a
// plain SQL aggregate over call_journeys computing the same figures, BENCH_REPEAT (5) times each
// after a warm-up; medians, their ratio, and whether both gave the same figures are printed.
const SIZES = (process.env['BENCH_SIZES'] ?? '1000000,10000000').split(',').map(Number);
const DAYS = Number(process.env['BENCH_DAYS'] ?? 60);
const BATCH = Number(process.env['BENCH_BATCH'] ?? 100_000);
const REPEAT = Number(process.env['BENCH_REPEAT'] ?? 5);
const KEEP = process.env['BENCH_KEEP'] === '1';
const QUEUES = 50;
const AGENTS = 500;
const SHORT = 5;
const T0 = Date.UTC(2026, 8, 1); // 1 September 2026
const DAY = 86_400_000;

const now = () => performance.now();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const fmtMs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
const sqlTime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

// Pseudo-random but reproducible per journey: CRC32 of a salt and the id, modulo a range.
const r = (salt: string, mod: number) => `(CRC32(CONCAT('${salt}', seq)) % ${mod})`;

async function generateBatch(
  db: Knex,
  lo: number,
  hi: number,
  total: number,
  batchNo: number,
): Promise<void> {
  const spanSeconds = DAYS * 86_400;
  await db.raw(`
    INSERT INTO call_journeys (id, linkedid, started_at, answered_at, ended_at, direction, caller_number,
      called_number, did, outcome, queue_number, queue_wait_seconds, wait_seconds, talk_seconds,
      duration_seconds, steps, built_at)
    SELECT n, CONCAT('bench-', n), st, IF(outcome = 'answered', st + INTERVAL FLOOR(w) SECOND, NULL),
      st + INTERVAL FLOOR(w + IF(outcome = 'answered', talk, 0)) SECOND, direction, '', '',
      IF(direction = 'inbound', CONCAT('+331555', LPAD(dd, 4, '0')), NULL), outcome,
      IF(queued, CAST(600 + qn AS CHAR), NULL), IF(queued, w, NULL), w, IF(outcome = 'answered', talk, 0),
      w + IF(outcome = 'answered', talk, 0), '[]',
      TIMESTAMP'2027-01-01 00:00:00' + INTERVAL ${batchNo} MINUTE
    FROM (
      SELECT n, st, dd, qn, w, talk, rd < 70 AND rq < 60 AS queued,
        CASE WHEN rd < 70 THEN 'inbound' WHEN rd < 90 THEN 'outbound' ELSE 'internal' END AS direction,
        CASE
          WHEN rd < 70 AND rq < 60 THEN CASE WHEN ro < 75 THEN 'answered' WHEN ro < 90 THEN 'abandoned' WHEN ro < 95 THEN 'callback' ELSE 'voicemail' END
          WHEN rd < 70 THEN CASE WHEN ro < 70 THEN 'answered' WHEN ro < 85 THEN 'missed' ELSE 'voicemail' END
          WHEN rd < 90 THEN CASE WHEN ro < 65 THEN 'answered' WHEN ro < 80 THEN 'busy' ELSE 'failed' END
          ELSE CASE WHEN ro < 70 THEN 'answered' WHEN ro < 85 THEN 'missed' WHEN ro < 95 THEN 'voicemail' ELSE 'busy' END
        END AS outcome
      FROM (
        SELECT seq AS n,
          TIMESTAMP'${sqlTime(T0)}' + INTERVAL FLOOR((seq - 1) * ${spanSeconds} / ${total}) SECOND AS st,
          ${r('d', 100)} AS rd, ${r('o', 100)} AS ro,
          ${r('q', 100)} AS rq, ${r('Q', QUEUES)} AS qn,
          ${r('D', 100)} AS dd,
          ${r('w', 120_000)} / 1000 AS w, ${r('t', 600_000)} / 1000 AS talk
        FROM seq_${lo}_to_${hi}
      ) s
    ) x`);
  // The people each call reached: two agents rung for a queued call (the first answers it),
  // one extension for others, caller and callee for internal calls.
  const j = `FROM call_journeys j WHERE j.id BETWEEN ${lo} AND ${hi}`;
  const agent = (shift: number) => `CAST(2000 + (CRC32(CONCAT('a', j.id)) + ${shift}) % ${AGENTS} AS CHAR)`;
  const ext = (shift: number) => `CAST(2000 + (CRC32(CONCAT('e', j.id)) + ${shift}) % ${AGENTS} AS CHAR)`;
  await db.raw(`
    INSERT INTO call_journey_parties (journey_id, extension, role)
    SELECT j.id, ${agent(0)}, 'agent_rung' ${j} AND j.queue_number IS NOT NULL
    UNION ALL SELECT j.id, ${agent(1)}, 'agent_rung' ${j} AND j.queue_number IS NOT NULL
    UNION ALL SELECT j.id, ${agent(0)}, 'agent_answered' ${j} AND j.queue_number IS NOT NULL AND j.outcome = 'answered'
    UNION ALL SELECT j.id, ${ext(0)}, 'rung' ${j} AND j.direction = 'inbound' AND j.queue_number IS NULL
    UNION ALL SELECT j.id, ${ext(0)}, 'answered' ${j} AND j.direction = 'inbound' AND j.queue_number IS NULL AND j.outcome = 'answered'
    UNION ALL SELECT j.id, ${ext(0)}, 'voicemail' ${j} AND j.queue_number IS NULL AND j.outcome = 'voicemail'
    UNION ALL SELECT j.id, ${ext(0)}, 'caller' ${j} AND j.direction <> 'inbound'
    UNION ALL SELECT j.id, ${ext(7)}, 'rung' ${j} AND j.direction = 'internal'
    UNION ALL SELECT j.id, ${ext(7)}, 'answered' ${j} AND j.direction = 'internal' AND j.outcome = 'answered'`);
}

async function seedConfig(db: Knex): Promise<void> {
  await db('queues').insert(
    Array.from({ length: QUEUES }, (_, i) => ({
      number: String(600 + i),
      name: `Bench queue ${i}`,
      strategy: 'ringall',
      ring_seconds: 15,
      retry_seconds: 5,
      wrap_up_seconds: 0,
      max_wait_seconds: 0,
      max_callers: 0,
      join_when_empty: true,
      leave_when_empty: false,
      announce_position: false,
      announce_hold_time: false,
      periodic_announce_seconds: 60,
      vip_priority: 10,
      failover_destination_type: 'hangup',
      failover_destination_target: '',
      service_level_seconds: 20 + (i % 5) * 10,
    })),
  );
  for (let d = 0; d < 10; d++) {
    const [id] = await db('departments').insert({ name: `Department ${d}` });
    await db('department_extensions').insert(
      Array.from({ length: AGENTS / 10 }, (_, i) => ({
        department_id: id,
        extension: String(2000 + d * 50 + i),
      })),
    );
  }
}

// ---- the same figures straight from call_journeys -------------------------------------------

const W = 'COALESCE(j.queue_wait_seconds, j.wait_seconds)';
const rawSums = (took: string) => `COUNT(*) AS offered, SUM(${took}) AS answered,
  SUM(j.outcome = 'abandoned') AS abandoned, SUM(j.outcome = 'abandoned' AND ${W} < ${SHORT}) AS short_abandoned,
  SUM(j.outcome = 'missed') AS missed, SUM(j.outcome = 'voicemail') AS voicemail, SUM(j.outcome = 'callback') AS callback,
  SUM(${took} AND ${W} <= COALESCE(q.service_level_seconds, 20)) AS answered_in_sl,
  SUM(IF(${took}, ${W}, 0)) AS wait_answered_sum, MAX(${W}) AS wait_max, SUM(IF(${took}, j.talk_seconds, 0)) AS talk_sum`;

const RAW: Record<string, string> = {
  hour: `SELECT DATE_FORMAT(j.started_at, '%Y-%m-%dT%H:00') AS k, ${rawSums("j.outcome = 'answered'")}
    FROM call_journeys j LEFT JOIN queues q ON q.number = j.queue_number
    WHERE j.started_at >= :from AND j.started_at < :to GROUP BY k`,
  hour_of_week: `SELECT CONCAT(DAYOFWEEK(j.started_at) - 1, '-', HOUR(j.started_at)) AS k, ${rawSums("j.outcome = 'answered'")}
    FROM call_journeys j LEFT JOIN queues q ON q.number = j.queue_number
    WHERE j.started_at >= :from AND j.started_at < :to GROUP BY k`,
  queue: `SELECT j.queue_number AS k, ${rawSums("j.outcome = 'answered'")}
    FROM call_journeys j LEFT JOIN queues q ON q.number = j.queue_number
    WHERE j.started_at >= :from AND j.started_at < :to AND j.queue_number IS NOT NULL GROUP BY k`,
  agent: `SELECT p.extension AS k, ${rawSums('p.took')}
    FROM (SELECT p.journey_id, p.extension, MAX(p.role = 'agent_answered') AS took
          FROM call_journeys j JOIN call_journey_parties p ON p.journey_id = j.id
          WHERE j.started_at >= :from AND j.started_at < :to AND p.role IN ('agent_rung', 'agent_answered')
          GROUP BY p.journey_id, p.extension) p
    JOIN call_journeys j ON j.id = p.journey_id LEFT JOIN queues q ON q.number = j.queue_number
    GROUP BY k`,
};

interface Case {
  name: string;
  groupBy: Grouping;
  kpis: Kpi[];
  raw: keyof typeof RAW;
  from: Date;
  to: Date;
}

async function runRaw(db: Knex, c: Case): Promise<Map<string, Record<string, number | null>>> {
  const [rows] = (await db.raw(RAW[c.raw] as string, { from: c.from, to: c.to })) as [
    Array<Record<string, unknown>>,
  ];
  const out = new Map<string, Record<string, number | null>>();
  for (const row of rows) {
    const s = Object.fromEntries(
      [
        'offered',
        'answered',
        'abandoned',
        'short_abandoned',
        'missed',
        'voicemail',
        'callback',
        'answered_in_sl',
        'wait_answered_sum',
        'wait_max',
        'talk_sum',
      ].map((k) => [k, Number(row[k] ?? 0)]),
    ) as unknown as Sums;
    out.set(String(row['k']), Object.fromEntries(c.kpis.map((k) => [k, kpiValue(k, s)])));
  }
  return out;
}

const fromReport = (r: ReportResult) =>
  new Map(
    r.rows
      .filter((row) => (row.values.offered ?? 1) !== 0)
      .map((row) => [row.key, row.values as Record<string, number | null>]),
  );

function sameFigures(
  a: Map<string, Record<string, number | null>>,
  b: Map<string, Record<string, number | null>>,
): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (JSON.stringify(v) !== JSON.stringify(b.get(k))) return false;
  return true;
}

async function benchSize(total: number): Promise<void> {
  const name = `sb_bench_analytics_${randomBytes(4).toString('hex')}`;
  const url = `${testEnv.mysqlServer}/${name}`;
  await ensureDatabase(url);
  const db = createKnex(url, { min: 0, max: 4 });
  try {
    await db.migrate.latest();
    await seedConfig(db);
    console.log(`\n== ${total.toLocaleString('en')} journeys over ${DAYS} days (database ${name}) ==`);
    let genMs = 0;
    const rollMs: number[] = [];
    for (let lo = 1, b = 0; lo <= total; lo += BATCH, b++) {
      const hi = Math.min(total, lo + BATCH - 1);
      let t = now();
      await generateBatch(db, lo, hi, total, b);
      genMs += now() - t;
      t = now();
      const res = await rollupOnce(db, { shortAbandonSeconds: SHORT });
      rollMs.push(now() - t);
      if (res.journeys < hi - lo + 1)
        throw new Error(`rollup saw ${res.journeys} of ${hi - lo + 1} journeys`);
      if (b % 10 === 9 || hi === total)
        console.log(
          `  ${hi.toLocaleString('en')} journeys: last rollup ${fmtMs(rollMs[rollMs.length - 1] as number)} (${res.buckets} buckets)`,
        );
    }
    const counts = (await db.raw(
      `SELECT (SELECT COUNT(*) FROM call_journey_parties) AS parties, (SELECT COUNT(*) FROM call_rollups) AS quarters,
              (SELECT COUNT(*) FROM call_rollups_daily) AS days`,
    )) as [Array<{ parties: number; quarters: number; days: number }>];
    const c0 = counts[0][0];
    console.log(
      `  generated in ${fmtMs(genMs)} (${c0?.parties.toLocaleString('en')} parties); rollup per ${BATCH.toLocaleString('en')} new journeys: median ${fmtMs(median(rollMs))}, max ${fmtMs(Math.max(...rollMs))}; rollup rows: ${c0?.quarters.toLocaleString('en')} (15 min), ${c0?.days.toLocaleString('en')} (daily)`,
    );

    const end = T0 + DAYS * DAY;
    const month = new Date(end - 30 * DAY);
    // A local-time month (UTC+7 h) does not start on a UTC midnight: ragged ends included.
    const ragged = new Date(end - 30 * DAY + 7 * 3_600_000);
    const cases: Case[] = [
      {
        name: 'volume by hour, 30 days',
        groupBy: 'hour',
        kpis: ['offered', 'answered', 'abandoned'],
        raw: 'hour',
        from: month,
        to: new Date(end),
      },
      {
        name: 'heatmap (hour of week), 30 days',
        groupBy: 'hour_of_week',
        kpis: ['offered', 'answered'],
        raw: 'hour_of_week',
        from: month,
        to: new Date(end),
      },
      {
        name: 'volume by queue, 30 days',
        groupBy: 'queue',
        kpis: ['offered', 'answered', 'abandoned'],
        raw: 'queue',
        from: ragged,
        to: new Date(end),
      },
      {
        name: 'ASA/SL/abandon per queue, 30 days',
        groupBy: 'queue',
        kpis: ['asa_seconds', 'service_level', 'abandon_rate', 'longest_wait_seconds'],
        raw: 'queue',
        from: ragged,
        to: new Date(end),
      },
      {
        name: 'by agent, 30 days',
        groupBy: 'agent',
        kpis: ['offered', 'answered', 'aht_seconds'],
        raw: 'agent',
        from: ragged,
        to: new Date(end),
      },
    ];
    const table: string[][] = [['report', 'rollups', 'plain SQL', 'ratio', 'same figures']];
    for (const c of cases) {
      const report = () =>
        runReport(
          db,
          { from: c.from, to: c.to, groupBy: c.groupBy, kpis: c.kpis, timezone: 'UTC' },
          { timezone: 'UTC' },
        );
      const same = sameFigures(fromReport(await report()), await runRaw(db, c));
      const a: number[] = [];
      const b: number[] = [];
      for (let i = 0; i < REPEAT; i++) {
        let t = now();
        await report();
        a.push(now() - t);
        t = now();
        await runRaw(db, c);
        b.push(now() - t);
      }
      const ra = median(a);
      const rb = median(b);
      table.push([c.name, fmtMs(ra), fmtMs(rb), `${(ra / rb).toFixed(3)}×`, same ? 'yes' : 'NO']);
    }
    const widths = table[0]?.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length))) ?? [];
    for (const row of table) console.log(`  ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')}`);
  } finally {
    await db.destroy();
    if (!KEEP) {
      const admin = createKnex(`${testEnv.mysqlServer}/`, { min: 0, max: 1 });
      await admin.raw(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.destroy();
    }
  }
}

async function main(): Promise<void> {
  console.log(
    `analytics benchmark: sizes ${SIZES.join(', ')}, batches of ${BATCH}, ${REPEAT} runs per report (medians)`,
  );
  for (const size of SIZES) await benchSize(size);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
