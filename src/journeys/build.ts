import type { Knex } from 'knex';
import type { CdrRecord, CelEvent, QueueLogEvent } from '../calldata/types';
import { retryOnDeadlock } from '../db/tx';
import { memberName } from '../queues';
import { type AssembledJourney, assembleJourney } from './assemble';

// A call without LINKEDID_END (Asterisk stopped mid-call, a line lost) is built anyway once its
// last event is this old, so nothing stays unbuilt forever.
export const STALE_CALL_SECONDS = 4 * 3600;
// How far back a run looks for calls to build: older call data is left alone (a database
// restored from a backup does not rebuild years of calls at once).
const LOOKBACK_SECONDS = 30 * 24 * 3600;
// Calls built per run: a backlog (first start after an outage) is worked off over several runs.
const BATCH = 500;

// Builds call_journeys (and call_journey_parties) from cdr_records, cel_events and
// queue_log_events for every linkedid whose CEL LINKEDID_END is at least settleSeconds old and
// that has no journey yet. Returns how many journeys were written.
export async function buildJourneysOnce(
  db: Knex,
  opts: { settleSeconds?: number; now?: Date } = {},
): Promise<number> {
  const now = opts.now ?? new Date();
  const settled = new Date(now.getTime() - (opts.settleSeconds ?? 2) * 1000);
  const stale = new Date(now.getTime() - STALE_CALL_SECONDS * 1000);
  const ended = await withoutJourney(db, 'LINKEDID_END', now, settled);
  // Calls that started before the stale point and have no journey: those without an end whose
  // last event is old enough are built as they are. Found by their CHAN_START (one per
  // channel, indexed by type and time) so a run never scans every event.
  const unended = await withoutJourney(db, 'CHAN_START', stale, stale);
  const endedSet = new Set<string>(ended);
  const abandoned: string[] = [];
  for (const linkedid of unended) {
    if (endedSet.has(linkedid)) continue;
    const last = await db('cel_events')
      .where({ linkedid })
      .select(db.raw('MAX(eventtime) as last'), db.raw("SUM(eventtype = 'LINKEDID_END') as ends"))
      .first();
    if (Number(last?.ends ?? 0) === 0 && last?.last && new Date(last.last) <= stale) abandoned.push(linkedid);
  }
  const linkedids = [...new Set<string>([...ended, ...abandoned])];
  if (linkedids.length === 0) return 0;
  const members = await memberExtensions(db);
  let written = 0;
  for (const linkedid of linkedids) {
    const records = await recordsOf(db, linkedid);
    const journey = assembleJourney(records, members, {
      callbackRequested: await callbackRequested(db, records),
    });
    if (await saveJourney(db, journey)) written++;
  }
  return written;
}

// A caller who pressed a queue's callback key (EXITWITHKEY) and then accepted the offer left a
// queue_callbacks row for that queue and number, stored while the call was still up.
async function callbackRequested(
  db: Knex,
  records: { cel: CelEvent[]; queueLog: QueueLogEvent[] },
): Promise<boolean> {
  const exit = records.queueLog.find((q) => q.event === 'EXITWITHKEY');
  const queue = exit ? /^sb-queue-([0-9]{1,10})$/.exec(exit.queuename)?.[1] : undefined;
  if (!exit || !queue) return false;
  const caller = records.cel.find((e) => e.uniqueid === exit.callid && e.eventtype === 'CHAN_START');
  const number = (caller?.cid_num ?? '').replace(/[^0-9]/g, '');
  const end = records.cel[records.cel.length - 1]?.eventtime ?? exit.time;
  const row = await db('queue_callbacks')
    .where({ queue, number })
    .whereBetween('requested_at', [new Date(exit.time.getTime() - 2000), new Date(end.getTime() + 10_000)])
    .first('id');
  return row !== undefined;
}

// queue_log names agents by their member name (the display name); this maps it back.
async function memberExtensions(db: Knex): Promise<Map<string, string>> {
  const rows: Array<{ number: string; display_name: string }> = await db('extensions').select(
    'number',
    'display_name',
  );
  const map = new Map<string, string>();
  for (const r of rows)
    map.set(memberName({ extension: r.number, name: r.display_name, penalty: 0, dynamic: false }), r.number);
  return map;
}

async function recordsOf(db: Knex, linkedid: string) {
  const cel: CelEvent[] = await db('cel_events')
    .where({ linkedid })
    .orderBy([{ column: 'eventtime' }, { column: 'id' }]);
  const cdr: CdrRecord[] = await db('cdr_records').where({ linkedid }).orderBy('id');
  const uniqueids = [...new Set(cel.map((e) => e.uniqueid))];
  const queueLog: QueueLogEvent[] = uniqueids.length
    ? await db('queue_log_events')
        .whereIn('callid', uniqueids)
        .orderBy([{ column: 'time' }, { column: 'id' }])
    : [];
  return { linkedid, cel, cdr, queueLog };
}

// One transaction per call; the unique linkedid makes a second builder's insert a no-op. Two
// builders inserting the same linkedids can deadlock: the loser runs again and finds the row.
async function saveJourney(db: Knex, j: AssembledJourney): Promise<boolean> {
  return retryOnDeadlock(() =>
    db.transaction(async (tx) => {
      const [id] = await tx('call_journeys')
        .insert({
          linkedid: j.linkedid,
          started_at: j.startedAt,
          answered_at: j.answeredAt,
          ended_at: j.endedAt,
          direction: j.direction,
          caller_number: j.callerNumber.slice(0, 80),
          caller_name: j.callerName.slice(0, 80),
          called_number: j.calledNumber.slice(0, 80),
          did: j.did?.slice(0, 80) ?? null,
          trunk: j.trunk?.slice(0, 64) ?? null,
          outcome: j.outcome,
          answered_by: j.answeredBy?.slice(0, 80) ?? null,
          queue_number: j.queueNumber,
          queue_wait_seconds: j.queueWaitSeconds,
          queue_position: j.queuePosition,
          ivr_path: j.ivrPath.slice(0, 255),
          wait_seconds: j.waitSeconds,
          talk_seconds: j.talkSeconds,
          duration_seconds: j.durationSeconds,
          transfers: j.transfers,
          voicemail_box: j.voicemailBox?.slice(0, 32) ?? null,
          steps: JSON.stringify(j.steps),
        })
        .onConflict('linkedid')
        .ignore();
      // INSERT IGNORE of an existing linkedid reports id 0: someone else built it.
      if (!id) return false;
      if (j.parties.length > 0)
        await tx('call_journey_parties').insert(j.parties.map((p) => ({ journey_id: id, ...p })));
      return true;
    }),
  );
}

// Calls with a CEL event of this type between `from` minus the look-back and `until` that
// have no journey yet; at most one batch.
function withoutJourney(db: Knex, eventtype: string, from: Date, until: Date): Promise<string[]> {
  return db('cel_events as e')
    .leftJoin('call_journeys as j', 'j.linkedid', 'e.linkedid')
    .where('e.eventtype', eventtype)
    .whereBetween('e.eventtime', [new Date(from.getTime() - LOOKBACK_SECONDS * 1000), until])
    .whereNull('j.id')
    .distinct('e.linkedid')
    .limit(BATCH)
    .pluck('e.linkedid');
}
