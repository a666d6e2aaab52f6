import type { Knex } from 'knex';
import type { QueueLogEvent } from '../calldata/types';
import { memberLabel, memberName } from '../queues';
import { BUCKET_MS, bucketOf } from './buckets';

// Agent activity from queue_log_events, split into 15-minute buckets per agent and queue:
//   login   ADDMEMBER … REMOVEMEMBER (dynamic agents; static members are never logged in/out)
//   pause   PAUSE … UNPAUSE (PAUSEALL/UNPAUSEALL: every queue the agent is in)
//   talk    CONNECT … COMPLETEAGENT/COMPLETECALLER/…TRANSFER of the same call
//   wrap-up the queue's wrap-up time after each call, cut short by the agent's next CONNECT
//           or logout.
// Spans still open are counted up to the newest event (the horizon), and recomputed when later
// events arrive.

// How far before the recomputed range events are replayed to know who was talking or paused.
// Login state older than that comes from each agent's last ADDMEMBER/REMOVEMEMBER.
export const REPLAY_LOOKBACK_MS = 12 * 3600 * 1000;

// The queue_log columns the agent rollup reads.
type QueueLogRow = Pick<QueueLogEvent, 'id' | 'time' | 'callid' | 'queuename' | 'agent' | 'event'>;

type Kind = 'login_s' | 'pause_s' | 'talk_s' | 'wrapup_s';
interface Acc {
  bucket: number;
  agent: string;
  queue: string;
  login_s: number;
  pause_s: number;
  talk_s: number;
  wrapup_s: number;
  calls_answered: number;
}

const TALK_END = new Set([
  'COMPLETEAGENT',
  'COMPLETECALLER',
  'TRANSFER',
  'BLINDTRANSFER',
  'ATTENDEDTRANSFER',
]);

export const queueNumberOf = (queuename: string): string => queuename.replace(/^sb-queue-/, '');

// queue_log names an agent by its member name (the display name made safe): back to the
// extension number, the key reports use everywhere.
export async function agentResolver(db: Knex): Promise<(agent: string) => string> {
  const rows = (await db('extensions').select('number', 'display_name')) as Array<{
    number: string;
    display_name: string;
  }>;
  const byLabel = new Map<string, string>();
  for (const r of rows) {
    byLabel.set(
      memberName({ extension: r.number, name: r.display_name ?? '', penalty: 0, dynamic: false }),
      r.number,
    );
    byLabel.set(memberLabel(r.display_name ?? '', r.number), r.number);
  }
  for (const r of rows) byLabel.set(r.number, r.number);
  return (agent) => {
    const iface = /^(?:PJSIP|SIP|Local)\/([0-9]+)/.exec(agent);
    if (iface?.[1]) return iface[1];
    return byLabel.get(agent) ?? agent.slice(0, 80);
  };
}

// Rebuilds agent_rollups for [from, to): at most a day at a time (rollup.ts), so the events held
// in memory are bounded by a day and the lookback.
export async function recomputeAgentRange(trx: Knex.Transaction, from: Date, to: Date): Promise<number> {
  const resolve = await agentResolver(trx);
  const wrapups = new Map<string, number>(
    (
      (await trx('queues').select('number', 'wrap_up_seconds')) as Array<{
        number: string;
        wrap_up_seconds: number;
      }>
    ).map((q) => [q.number, q.wrap_up_seconds]),
  );
  const fromMs = from.getTime();
  const endMs = to.getTime();
  const replayFrom = new Date(fromMs - REPLAY_LOOKBACK_MS);
  const acc = new Map<string, Acc>();

  const add = (kind: Kind, agent: string, queue: string, s: number, e: number) => {
    const start = Math.max(s, fromMs);
    const end = Math.min(e, endMs);
    for (let b = bucketOf(start).getTime(); b < end; b += BUCKET_MS) {
      const secs = (Math.min(end, b + BUCKET_MS) - Math.max(start, b)) / 1000;
      if (secs <= 0) continue;
      row(b, agent, queue)[kind] += secs;
    }
  };
  const row = (b: number, agent: string, queue: string): Acc => {
    const key = `${b}|${agent}|${queue}`;
    let r = acc.get(key);
    if (!r) {
      r = { bucket: b, agent, queue, login_s: 0, pause_s: 0, talk_s: 0, wrapup_s: 0, calls_answered: 0 };
      acc.set(key, r);
    }
    return r;
  };

  // State at replayFrom: who was logged in where (their last ADDMEMBER/REMOVEMEMBER before it).
  const loginSince = new Map<string, number>(); // agent|queue → ms
  const pauseSince = new Map<string, number>();
  const talking = new Map<string, { agent: string; queue: string; since: number }>(); // callid|agent
  const wraps: Array<{ agent: string; queue: string; start: number; end: number }> = [];
  const lastLogin = (await trx.raw(
    `SELECT e.agent, e.queuename, e.event FROM queue_log_events e
     JOIN (SELECT MAX(id) AS id FROM queue_log_events
           WHERE time < ? AND event IN ('ADDMEMBER', 'REMOVEMEMBER') GROUP BY agent, queuename) m ON m.id = e.id`,
    [replayFrom],
  )) as [Array<{ agent: string; queuename: string; event: string }>];
  for (const r of lastLogin[0]) {
    if (r.event === 'ADDMEMBER')
      loginSince.set(`${resolve(r.agent)}|${queueNumberOf(r.queuename)}`, replayFrom.getTime());
  }

  const events = (await trx('queue_log_events')
    .select('id', 'time', 'callid', 'queuename', 'agent', 'event')
    .where('time', '>=', replayFrom)
    .andWhere('time', '<=', to)
    .orderBy([{ column: 'time' }, { column: 'id' }])) as QueueLogRow[];

  const queuesOf = (agent: string) =>
    [...loginSince.keys()].filter((k) => k.startsWith(`${agent}|`)).map((k) => k.slice(agent.length + 1));
  const cutWraps = (agent: string, at: number) => {
    for (const w of wraps) if (w.agent === agent && w.end > at && w.start <= at) w.end = at;
  };
  const endPause = (agent: string, queue: string, at: number) => {
    const since = pauseSince.get(`${agent}|${queue}`);
    if (since === undefined) return;
    add('pause_s', agent, queue, since, at);
    pauseSince.delete(`${agent}|${queue}`);
  };

  for (const ev of events) {
    const t = ev.time.getTime();
    const agent = resolve(ev.agent);
    const queue = queueNumberOf(ev.queuename);
    const key = `${agent}|${queue}`;
    switch (ev.event) {
      case 'ADDMEMBER':
        if (!loginSince.has(key)) loginSince.set(key, t);
        break;
      case 'REMOVEMEMBER': {
        const since = loginSince.get(key);
        if (since !== undefined) add('login_s', agent, queue, since, t);
        loginSince.delete(key);
        endPause(agent, queue, t);
        cutWraps(agent, t);
        break;
      }
      case 'PAUSE':
        if (!pauseSince.has(key)) pauseSince.set(key, t);
        break;
      case 'UNPAUSE':
        endPause(agent, queue, t);
        break;
      case 'PAUSEALL':
        for (const q of queuesOf(agent))
          if (!pauseSince.has(`${agent}|${q}`)) pauseSince.set(`${agent}|${q}`, t);
        break;
      case 'UNPAUSEALL':
        for (const k of [...pauseSince.keys()])
          if (k.startsWith(`${agent}|`)) endPause(agent, k.slice(agent.length + 1), t);
        break;
      case 'CONNECT':
        cutWraps(agent, t);
        talking.set(`${ev.callid}|${agent}`, { agent, queue, since: t });
        if (t >= fromMs && t < endMs) row(bucketOf(t).getTime(), agent, queue).calls_answered += 1;
        break;
      default:
        if (TALK_END.has(ev.event)) {
          const call = talking.get(`${ev.callid}|${agent}`);
          if (!call) break;
          talking.delete(`${ev.callid}|${agent}`);
          add('talk_s', agent, call.queue, call.since, t);
          const wrap = (wrapups.get(call.queue) ?? 0) * 1000;
          if (wrap > 0) wraps.push({ agent, queue: call.queue, start: t, end: t + wrap });
        }
    }
  }
  // Open spans run to the end of the range: the next range (or run) replays them.
  for (const [key, since] of loginSince) {
    const [agent = '', queue = ''] = key.split('|');
    add('login_s', agent, queue, since, endMs);
  }
  for (const [key, since] of pauseSince) {
    const [agent = '', queue = ''] = key.split('|');
    add('pause_s', agent, queue, since, endMs);
  }
  for (const call of talking.values()) add('talk_s', call.agent, call.queue, call.since, endMs);
  for (const w of wraps) add('wrapup_s', w.agent, w.queue, w.start, w.end);

  await trx('agent_rollups').where('bucket_start', '>=', from).andWhere('bucket_start', '<', to).delete();
  const rows = [...acc.values()].map((r) => ({
    bucket_start: new Date(r.bucket),
    agent: r.agent,
    queue: r.queue.slice(0, 32),
    login_s: round3(r.login_s),
    pause_s: round3(r.pause_s),
    talk_s: round3(r.talk_s),
    wrapup_s: round3(r.wrapup_s),
    calls_answered: r.calls_answered,
  }));
  for (let i = 0; i < rows.length; i += 1000) await trx('agent_rollups').insert(rows.slice(i, i + 1000));
  return rows.length;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;
