import type { Knex } from 'knex';
import type { Ari } from '../../asterisk/ari';
import type { AsteriskControl } from '../../asterisk/control';
import { NotFoundError } from '../../http/errors';
import type { Logger } from '../../lib/log';
import * as queues from '../repo';
import { type ShownMember, type ShownQueue, showQueue } from './asterisk';
import * as repo from './repo';
import type { LiveCaller, LiveMember, MemberLiveState, QueueLive } from './schema';

// What a queue looks like now: members from MySQL (so a logged-out agent is listed too), their
// state from Asterisk's `queue show`, and the callers waiting with their caller numbers (ARI).
export async function queueLive(
  deps: { db: Knex; control: AsteriskControl; ari: Ari; log: Logger },
  number: string,
): Promise<QueueLive> {
  const record = await queues.find(deps.db, number);
  if (!record) throw new NotFoundError('queue');
  const sessions = new Map(
    (await repo.sessions(deps.db, [record.row.id])).map((s) => [s.extension_number, s]),
  );
  let shown: ShownQueue | null = null;
  let asterisk: QueueLive['asterisk'] = 'ok';
  try {
    shown = await showQueue(deps.control, number);
    if (!shown) asterisk = 'queue_missing';
  } catch (err) {
    asterisk = 'unreachable';
    deps.log.warn({ err: (err as Error).message, queue: number }, 'queue live state unavailable');
  }
  const members: LiveMember[] = record.state.members.map((m) => {
    const s = sessions.get(m.extension);
    const loggedIn = !m.dynamic || Boolean(s?.logged_in);
    const live = shown?.members.find((lm) => lm.extension === m.extension);
    return {
      extension: m.extension,
      name: m.name,
      penalty: m.penalty,
      dynamic: m.dynamic,
      logged_in: loggedIn,
      state: memberState(loggedIn, live),
      pause_reason: live?.paused ? live.pauseReason : null,
      calls_taken: live?.callsTaken ?? 0,
      last_call_seconds_ago: live?.lastCallSecondsAgo ?? null,
    };
  });
  const callers: LiveCaller[] = (shown?.callers ?? []).map((c) => ({
    position: c.position,
    channel: c.channel,
    caller_number: null,
    wait_seconds: c.waitSeconds,
    priority: c.priority,
  }));
  if (callers.length > 0) {
    try {
      const channels = await deps.ari.listChannels();
      const numberOf = new Map(channels.map((c) => [c.name, c.caller?.number ?? null]));
      for (const c of callers) c.caller_number = numberOf.get(c.channel) || null;
    } catch {
      // caller numbers are a nicety; the queue state stands without them
    }
  }
  return { number, name: record.row.name, strategy: record.row.strategy, asterisk, members, callers };
}

function memberState(loggedIn: boolean, live: ShownMember | undefined): MemberLiveState {
  if (!loggedIn) return 'logged_out';
  // Logged in but not (yet) in Asterisk: the reconciler adds it once the queue exists there.
  if (!live) return 'unavailable';
  if (live.paused) return 'paused';
  if (live.inCall) return 'in_call';
  switch (live.deviceState) {
    case 'Not in use':
      return 'available';
    case 'Ringing':
      return 'ringing';
    case 'Ring+Inuse':
    case 'In use':
    case 'Busy':
    case 'On Hold':
      return 'in_call';
    default:
      return 'unavailable';
  }
}

// Waiting callers' numbers are personal data: a `user` account sees them only for the queues its
// own extension is an agent of; admins and supervisors see every queue's.
export function liveFor(
  live: QueueLive,
  viewer: { role: string; extensionNumber: string | null } | undefined,
): QueueLive {
  if (viewer && viewer.role !== 'user') return live;
  const own = viewer?.extensionNumber ?? null;
  if (own !== null && live.members.some((m) => m.extension === own)) return live;
  return { ...live, callers: [] };
}
