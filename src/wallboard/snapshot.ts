import type { Knex } from 'knex';
import type { Ari, AriBridge, AriChannel } from '../asterisk/ari';
import type { AsteriskControl } from '../asterisk/control';
import type { Logger } from '../lib/log';
import { queueCommands, queuesRepo as queues, type ShownMember, type ShownQueue, sessions } from '../queues';
import { recentTollAlerts } from '../toll-guard';
import { TodayFigures, todayFor } from './today';
import type { AgentCounts, CallState, WallboardCall, WallboardQueue, WallboardSnapshot } from './types';

export interface SnapshotDeps {
  db: Knex;
  ari: Ari;
  control: AsteriskControl;
  log: Logger;
  timezone: string;
}

const QUEUE_NAME = /^sb-queue-([0-9]{1,20})$/;
const RINGING_STATES = new Set(['Down', 'Rsrvd', 'OffHook', 'Dialing', 'Ring', 'Ringing', 'Pre-ring']);
// Dialplan "extensions" that are not a number anyone dialled.
const SPECIAL_EXTENS = new Set(['s', 'h', 'i', 't', 'T', 'e', 'o', 'a']);

// Builds wallboard snapshots. Holds the little state that keeps them steady from one build to the
// next: when each waiting caller was first seen (`queue show` reports whole seconds).
export class SnapshotBuilder {
  private readonly waitingSince = new Map<string, number>();
  private readonly today: TodayFigures;

  constructor(private readonly deps: SnapshotDeps) {
    this.today = new TodayFigures(deps.db, deps.timezone, deps.log);
  }

  async build(now = new Date()): Promise<WallboardSnapshot> {
    const [records, shown, channels, today, alerts] = await Promise.all([
      queues.list(this.deps.db),
      this.queueShow(),
      this.channelsAndBridges(),
      this.today.forQueues(now),
      recentTollAlerts(this.deps.db, now),
    ]);
    const sessionRows = await sessions(
      this.deps.db,
      records.map((r) => r.row.id),
    );
    const loggedIn = new Set(
      sessionRows.filter((s) => s.logged_in).map((s) => `${s.queue_id}:${s.extension_number}`),
    );

    // Waiting callers, steadied: a caller's start is fixed the first time it is seen.
    const seen = new Set<string>();
    const queueOfWaiting = new Map<string, string>();
    const shownByNumber = new Map<string, ShownQueue>();
    for (const [name, q] of shown ?? []) {
      const n = QUEUE_NAME.exec(name)?.[1];
      if (!n) continue;
      shownByNumber.set(n, q);
      for (const c of q.callers) {
        seen.add(c.channel);
        queueOfWaiting.set(c.channel, n);
        if (!this.waitingSince.has(c.channel))
          this.waitingSince.set(c.channel, now.getTime() - c.waitSeconds * 1000);
      }
    }
    for (const ch of this.waitingSince.keys()) if (!seen.has(ch)) this.waitingSince.delete(ch);

    const queueTiles: WallboardQueue[] = records.map((r) => {
      const q = shownByNumber.get(r.row.number);
      const since = (q?.callers ?? [])
        .map((c) => this.waitingSince.get(c.channel) ?? now.getTime())
        .reduce<number | null>((min, t) => (min === null || t < min ? t : min), null);
      const agents: AgentCounts = { available: 0, busy: 0, paused: 0, logged_out: 0, unavailable: 0 };
      for (const m of r.state.members) {
        const isIn = !m.dynamic || loggedIn.has(`${r.row.id}:${m.extension}`);
        agents[
          agentState(
            isIn,
            q?.members.find((lm) => lm.extension === m.extension),
          )
        ]++;
      }
      return {
        number: r.row.number,
        name: r.row.name,
        waiting: q?.callers.length ?? 0,
        longest_waiting_since: since === null ? null : new Date(since).toISOString(),
        longest_wait_seconds: since === null ? null : Math.max(0, Math.round((now.getTime() - since) / 1000)),
        agents,
        today: todayFor(today.byQueue, r.row.number),
      };
    });

    return {
      generated_at: now.toISOString(),
      asterisk: shown && channels ? 'ok' : 'unreachable',
      today_from: today.from.toISOString(),
      timezone: this.deps.timezone,
      queues: queueTiles,
      calls: channels ? callsFrom(channels.channels, channels.bridges, queueOfWaiting, now) : [],
      alerts,
    };
  }

  private async queueShow(): Promise<Map<string, ShownQueue> | null> {
    try {
      return await queueCommands.show(this.deps.control);
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message }, 'wallboard: queue show failed');
      return null;
    }
  }

  private async channelsAndBridges(): Promise<{ channels: AriChannel[]; bridges: AriBridge[] } | null> {
    try {
      const [channels, bridges] = await Promise.all([
        this.deps.ari.listChannels(),
        this.deps.ari.listBridges(),
      ]);
      return { channels, bridges };
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message }, 'wallboard: channels unavailable');
      return null;
    }
  }
}

function agentState(loggedIn: boolean, live: ShownMember | undefined): keyof AgentCounts {
  if (!loggedIn) return 'logged_out';
  if (!live) return 'unavailable';
  if (live.paused) return 'paused';
  if (live.inCall) return 'busy';
  switch (live.deviceState) {
    case 'Not in use':
      return 'available';
    case 'Ringing':
    case 'Ring+Inuse':
    case 'In use':
    case 'Busy':
    case 'On Hold':
      return 'busy';
    default:
      return 'unavailable';
  }
}

// "PJSIP/2101-0000002a" → "2101": the endpoint a channel belongs to.
function endpointOf(channelName: string): string {
  const m = /^[A-Za-z]+\/(.+)-[0-9a-f]+$/.exec(channelName);
  return m ? m[1]! : channelName;
}

// One row per call: the channel that started it. Legs Asterisk dialled out (to an agent, a
// phone, a trunk) and Local channel halves are part of someone else's call.
export function callsFrom(
  channels: AriChannel[],
  bridges: AriBridge[],
  queueOfWaiting: Map<string, string>,
  now: Date,
): WallboardCall[] {
  const byId = new Map(channels.map((c) => [c.id, c]));
  const bridgeOf = new Map<string, AriBridge>();
  for (const b of bridges) for (const id of b.channels) bridgeOf.set(id, b);
  const calls: WallboardCall[] = [];
  for (const ch of channels) {
    if (ch.name.startsWith('Local/')) continue;
    if (ch.dialplan?.app_data === '(Outgoing Line)') continue;
    const fromQueueApp =
      ch.dialplan?.app_name === 'Queue'
        ? QUEUE_NAME.exec((ch.dialplan.app_data ?? '').split(',')[0] ?? '')
        : null;
    const queue = queueOfWaiting.get(ch.name) ?? fromQueueApp?.[1] ?? null;
    const partners = (bridgeOf.get(ch.id)?.channels ?? [])
      .filter((id) => id !== ch.id)
      .map((id) => byId.get(id))
      .filter((c): c is AriChannel => c !== undefined);
    let state: CallState;
    if (queueOfWaiting.has(ch.name)) state = 'waiting';
    else if (partners.length > 0) state = 'talking';
    else if (RINGING_STATES.has(ch.state)) state = 'ringing';
    else state = 'in_progress';
    const partner = partners.find((p) => !p.name.startsWith('Local/'));
    const exten = ch.dialplan?.exten ?? '';
    const callee =
      state === 'talking'
        ? ch.connected?.number || ch.connected?.name || (partner ? endpointOf(partner.name) : null)
        : state === 'waiting'
          ? null
          : ch.connected?.number || (exten && !SPECIAL_EXTENS.has(exten) ? exten : null);
    const started = ch.creationtime ? new Date(ch.creationtime) : now;
    const startedAt = Number.isNaN(started.getTime()) ? now : started;
    calls.push({
      id: ch.id,
      caller: ch.caller?.number || ch.caller?.name || endpointOf(ch.name),
      callee: callee || null,
      queue,
      state,
      started_at: startedAt.toISOString(),
      duration_seconds: Math.max(0, Math.round((now.getTime() - startedAt.getTime()) / 1000)),
    });
  }
  return calls.sort((a, b) => a.started_at.localeCompare(b.started_at));
}

// What must differ for a snapshot to be worth pushing: everything but the ticking clocks.
export function changeKey(s: WallboardSnapshot): string {
  return JSON.stringify({
    ...s,
    generated_at: null,
    queues: s.queues.map((q) => ({ ...q, longest_wait_seconds: null })),
    calls: s.calls.map((c) => ({ ...c, duration_seconds: null })),
  });
}
