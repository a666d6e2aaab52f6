import type { Knex } from 'knex';
import { sqlBucket } from './buckets';

// Recomputes call_rollups for [from, to) from call_journeys (+ parties, departments, queues).
// Formulas: docs/analytics.md. Every dimension is rebuilt from scratch for the range, so reruns
// and late journeys give the same rows as one pass over everything.

// What Asterisk's servicelevel defaults to and what calls outside any queue are held to.
export const DEFAULT_SERVICE_LEVEL_SECONDS = 20;

const COLUMNS =
  'bucket_start, dim, dim_value, direction, offered, answered, abandoned, short_abandoned, missed, voicemail, callback, answered_in_sl, wait_answered_sum, wait_max, talk_sum';

// The wait a caller had before being answered or giving up: the queue's when the call was queued.
const WAIT = 'COALESCE(j.queue_wait_seconds, j.wait_seconds)';
const SL = `COALESCE(q.service_level_seconds, ${DEFAULT_SERVICE_LEVEL_SECONDS})`;

// took: did this row's party (or, for journey-level dimensions, anyone) answer the call.
const measures = (took: string) => `COUNT(*),
  SUM(${took}),
  SUM(j.outcome = 'abandoned'),
  SUM(j.outcome = 'abandoned' AND ${WAIT} < :short),
  SUM(j.outcome = 'missed'),
  SUM(j.outcome = 'voicemail'),
  SUM(j.outcome = 'callback'),
  SUM(${took} AND ${WAIT} <= ${SL}),
  SUM(IF(${took}, ${WAIT}, 0)),
  MAX(${WAIT}),
  SUM(IF(${took}, j.talk_seconds, 0))`;

const B = sqlBucket('j.started_at');
const RANGE = 'j.started_at >= :from AND j.started_at < :to';

function journeyDim(dim: string, value: string, where: string): string {
  return `INSERT INTO call_rollups (${COLUMNS})
    SELECT ${B} AS b, '${dim}', ${value}, j.direction, ${measures("j.outcome = 'answered'")}
    FROM call_journeys j LEFT JOIN queues q ON q.number = j.queue_number
    WHERE ${RANGE}${where}
    GROUP BY b, ${value}, j.direction`;
}

// One row per (journey, party) first, so a call counts once per person however many roles the
// person had in it (rung, then answered). STRAIGHT_JOIN keeps the plan journeys-in-range first:
// left alone MariaDB may start from department_extensions and read every party of every member.
function partyDim(
  dim: string,
  partyValue: string,
  partyJoin: string,
  roleWhere: string,
  tookExpr: string,
): string {
  return `INSERT INTO call_rollups (${COLUMNS})
    SELECT ${B} AS b, '${dim}', p.v, j.direction, ${measures('p.took')}
    FROM (
      SELECT STRAIGHT_JOIN p.journey_id, ${partyValue} AS v, MAX(${tookExpr}) AS took
      FROM call_journeys j JOIN call_journey_parties p ON p.journey_id = j.id ${partyJoin}
      WHERE ${RANGE}${roleWhere}
      GROUP BY p.journey_id, v
    ) p
    JOIN call_journeys j ON j.id = p.journey_id
    LEFT JOIN queues q ON q.number = j.queue_number
    GROUP BY b, p.v, j.direction`;
}

// An extension "answered" a call it picked up, or one it placed that the far end picked up.
const EXTENSION_TOOK =
  "p.role IN ('answered', 'agent_answered') OR (p.role = 'caller' AND j.outcome = 'answered')";

const STATEMENTS: Record<'all' | 'queue' | 'did' | 'agent' | 'extension' | 'department', string> = {
  all: journeyDim('all', "''", ''),
  queue: journeyDim('queue', 'j.queue_number', ' AND j.queue_number IS NOT NULL'),
  did: journeyDim('did', 'j.did', " AND j.did IS NOT NULL AND j.did <> ''"),
  agent: partyDim(
    'agent',
    'p.extension',
    '',
    " AND p.role IN ('agent_rung', 'agent_answered')",
    "p.role = 'agent_answered'",
  ),
  extension: partyDim('extension', 'p.extension', '', '', EXTENSION_TOOK),
  department: partyDim(
    'department',
    'CAST(de.department_id AS CHAR)',
    'JOIN department_extensions de ON de.extension = p.extension',
    '',
    EXTENSION_TOOK,
  ),
};
export type CallDim = keyof typeof STATEMENTS;
export const CALL_DIMS = Object.keys(STATEMENTS) as CallDim[];

export async function recomputeCallBuckets(
  trx: Knex.Transaction,
  from: Date,
  to: Date,
  opts: { shortAbandonSeconds: number; dims?: readonly CallDim[] },
): Promise<void> {
  const dims = opts.dims ?? CALL_DIMS;
  await trx('call_rollups')
    .where('bucket_start', '>=', from)
    .andWhere('bucket_start', '<', to)
    .whereIn('dim', dims as CallDim[])
    .delete();
  for (const dim of dims) {
    await trx.raw(STATEMENTS[dim], { from, to, short: opts.shortAbandonSeconds });
  }
}

// call_rollups_daily for the UTC days [from, to) from the 15-minute rows: a call sits in one
// bucket only, so sums (and maxima) of buckets are exact for every dimension.
export async function recomputeCallDays(trx: Knex.Transaction, from: Date, to: Date): Promise<void> {
  await trx('call_rollups_daily').where('day_start', '>=', from).andWhere('day_start', '<', to).delete();
  await trx.raw(
    `INSERT INTO call_rollups_daily (day_start, ${COLUMNS.replace('bucket_start, ', '')})
     SELECT CAST(DATE(bucket_start) AS DATETIME) AS d, dim, dim_value, direction,
       SUM(offered), SUM(answered), SUM(abandoned), SUM(short_abandoned), SUM(missed), SUM(voicemail),
       SUM(callback), SUM(answered_in_sl), SUM(wait_answered_sum), MAX(wait_max), SUM(talk_sum)
     FROM call_rollups WHERE bucket_start >= ? AND bucket_start < ?
     GROUP BY d, dim, dim_value, direction`,
    [from, to],
  );
}
