import type { Knex } from 'knex';
import { recomputeAgentRange } from './agent-rollup';
import { BUCKET_MS, bucketOf, bucketRanges, DAY_MS, sqlBucket } from './buckets';
import { recomputeCallBuckets, recomputeCallDays } from './call-rollup';

// Folds journeys built since the last run into the 15-minute rollups (call_rollups,
// agent_rollups), re-aggregating every bucket they touch. Each run of buckets is deleted and
// re-inserted from call_journeys in one transaction, so reruns change nothing and a journey
// built late (an old call) corrects its old bucket.

// One transaction covers at most a day of buckets: bounded locks and undo log.
const MAX_BUCKETS_PER_TX = 96;

const STATE = {
  builtAt: 'journeys_built_at',
  journeyId: 'journeys_id',
  config: 'call_rollup_config',
  queueLogId: 'queue_log_id',
  horizon: 'queue_log_horizon',
} as const;

async function getState(db: Knex, name: string): Promise<string | undefined> {
  const row = (await db('analytics_state').where({ name }).first('value')) as { value: string } | undefined;
  return row?.value;
}

async function setState(db: Knex, name: string, value: string): Promise<void> {
  await db.raw(
    'INSERT INTO analytics_state (name, value) VALUES (?, ?) ON DUPLICATE KEY UPDATE value = VALUES(value), updated_at = NOW(3)',
    [name, value],
  );
}

// What the stored rollups depend on besides the journeys: each queue's service level and the
// department memberships. When it changes every bucket is recomputed.
async function configFingerprint(db: Knex): Promise<string> {
  const [rows] = (await db.raw(
    `SELECT
       (SELECT CONCAT(COUNT(*), ':', COALESCE(SUM(CRC32(CONCAT(number, '=', service_level_seconds))), 0)) FROM queues) AS q,
       (SELECT CONCAT(COUNT(*), ':', COALESCE(SUM(CRC32(CONCAT(department_id, '=', extension))), 0)) FROM department_extensions) AS d`,
  )) as [Array<{ q: string; d: string }>];
  return `${rows[0]?.q}|${rows[0]?.d}`;
}

// Ranges never cross a UTC midnight, so each transaction also rebuilds the days it touched
// and the daily rows always match the 15-minute ones.
async function recompute(db: Knex, buckets: Date[], shortAbandonSeconds: number): Promise<void> {
  for (const [from, to] of bucketRanges(buckets, MAX_BUCKETS_PER_TX, DAY_MS)) {
    const day = new Date(Math.floor(from.getTime() / DAY_MS) * DAY_MS);
    await db.transaction(async (trx) => {
      await recomputeCallBuckets(trx, from, to, { shortAbandonSeconds });
      await recomputeCallDays(trx, day, new Date(day.getTime() + DAY_MS));
    });
  }
}

async function rollupCalls(
  db: Knex,
  shortAbandonSeconds: number,
): Promise<{ journeys: number; buckets: number }> {
  const fingerprint = await configFingerprint(db);
  const previous = await getState(db, STATE.config);
  const builtAt = await getState(db, STATE.builtAt);
  if (previous !== undefined && previous !== fingerprint) {
    // Every bucket that holds a journey, a day at a time; new journeys are in there too.
    const [top] = (await db.raw('SELECT MAX(id) AS id, MAX(built_at) AS built FROM call_journeys')) as [
      Array<{ id: number | null; built: Date | null }>,
    ];
    const [span] = (await db.raw(
      'SELECT MIN(started_at) AS lo, MAX(started_at) AS hi FROM call_journeys',
    )) as [Array<{ lo: Date | null; hi: Date | null }>];
    const lo = span[0]?.lo;
    const hi = span[0]?.hi;
    let count = 0;
    if (lo && hi) {
      const all: Date[] = [];
      for (let b = bucketOf(lo).getTime(); b <= hi.getTime(); b += BUCKET_MS) all.push(new Date(b));
      await recompute(db, all, shortAbandonSeconds);
      count = all.length;
    }
    await setState(db, STATE.config, fingerprint);
    if (top[0]?.id) await setState(db, STATE.journeyId, String(top[0].id));
    if (top[0]?.built) await setState(db, STATE.builtAt, top[0].built.toISOString());
    return { journeys: 0, buckets: count };
  }
  if (previous === undefined) await setState(db, STATE.config, fingerprint);

  // New journeys by id (the builder is the only writer and runs one pass at a time, so a row
  // committed after this read gets a higher id); journeys rebuilt in place by built_at.
  const lastId = Number((await getState(db, STATE.journeyId)) ?? 0);
  const lastBuilt = builtAt ? new Date(builtAt) : new Date(0);
  const [summary] = (await db.raw(
    'SELECT COUNT(*) AS n, MAX(id) AS last_id, MAX(built_at) AS latest FROM call_journeys WHERE id > ? OR built_at > ?',
    [lastId, lastBuilt],
  )) as [Array<{ n: number; last_id: number | null; latest: Date | null }>];
  const latest = summary[0]?.latest;
  const newLastId = summary[0]?.last_id;
  if (!latest || newLastId === null || newLastId === undefined) return { journeys: 0, buckets: 0 };
  const [touched] = (await db.raw(
    `SELECT DISTINCT ${sqlBucket('started_at')} AS b FROM call_journeys
     WHERE (id > ? OR built_at > ?) AND id <= ? AND built_at <= ?`,
    [lastId, lastBuilt, newLastId, latest],
  )) as [Array<{ b: Date }>];
  const buckets = touched.map((r) => r.b);
  await recompute(db, buckets, shortAbandonSeconds);
  await setState(db, STATE.journeyId, String(Math.max(lastId, Number(newLastId))));
  if (latest > lastBuilt) await setState(db, STATE.builtAt, latest.toISOString());
  return { journeys: Number(summary[0]?.n ?? 0), buckets: buckets.length };
}

async function rollupAgents(db: Knex): Promise<void> {
  const lastId = Number((await getState(db, STATE.queueLogId)) ?? 0);
  const [fresh] = (await db.raw(
    'SELECT MIN(time) AS earliest, MAX(id) AS last_id FROM queue_log_events WHERE id > ?',
    [lastId],
  )) as [Array<{ earliest: Date | null; last_id: number | null }>];
  const earliest = fresh[0]?.earliest;
  if (!earliest) return;
  const [top] = (await db.raw('SELECT MAX(time) AS t FROM queue_log_events')) as [Array<{ t: Date }>];
  const horizon = top[0]?.t ?? earliest;
  const oldHorizon = await getState(db, STATE.horizon);
  const start = oldHorizon && new Date(oldHorizon) < earliest ? new Date(oldHorizon) : earliest;
  for (
    let f = bucketOf(start).getTime();
    f < horizon.getTime();
    f = Math.floor(f / DAY_MS) * DAY_MS + DAY_MS
  ) {
    const to = new Date(Math.min(Math.floor(f / DAY_MS) * DAY_MS + DAY_MS, horizon.getTime()));
    await db.transaction((trx) => recomputeAgentRange(trx, new Date(f), to));
  }
  await setState(db, STATE.queueLogId, String(fresh[0]?.last_id ?? lastId));
  await setState(db, STATE.horizon, horizon.toISOString());
}

export async function rollupOnce(
  db: Knex,
  opts: { shortAbandonSeconds: number },
): Promise<{ journeys: number; buckets: number }> {
  const calls = await rollupCalls(db, opts.shortAbandonSeconds);
  await rollupAgents(db);
  return calls;
}
