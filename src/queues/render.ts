import { destinationGoto } from '../destinations';
import { greetingSound } from '../ivrs';
import { confTemplate } from '../render/engine';
import type { DesiredState } from '../render/state';
import { renderAgentCodes } from './agents/render';
import type { QueueMemberState, QueueState } from './state';

// What counts as "no agent to take the call" for joinempty/leavewhenempty: members who are not
// registered, paused, unknown to Asterisk, or outside the caller's penalty range. Busy agents
// (in use, ringing, wrapping up) still count: callers wait for them.
const EMPTY_WHEN = 'penalty,paused,invalid,unavailable';
const ANNOUNCE_EVERY_SECONDS = 30;

function compareNumbers(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

function sortedQueues(state: DesiredState): QueueState[] {
  return [...state.queues].sort((a, b) => compareNumbers(a.number, b.number));
}

// The member name app_queue shows and logs. It is an argument of the member line, so only
// characters that cannot end or split it are kept; the display name was validated already.
export function memberName(m: QueueMemberState): string {
  const cleaned = m.name
    .replace(/[^\p{L}\p{M}\p{N} ._@+&/-]/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
  return cleaned === '' ? m.extension : cleaned;
}

export function queueConfView(state: DesiredState) {
  return {
    queues: sortedQueues(state).map((q) => ({
      name: `sb-queue-${q.number}`,
      strategy: q.strategy,
      ringSeconds: q.ringSeconds,
      retrySeconds: q.retrySeconds,
      wrapUpSeconds: q.wrapUpSeconds,
      serviceLevelSeconds: q.serviceLevelSeconds ?? 20,
      maxCallers: q.maxCallers,
      joinEmpty: q.joinWhenEmpty ? 'yes' : EMPTY_WHEN,
      leaveWhenEmpty: q.leaveWhenEmpty ? EMPTY_WHEN : 'no',
      mohClass: q.mohClass,
      announceFrequency: q.announcePosition || q.announceHoldTime ? ANNOUNCE_EVERY_SECONDS : 0,
      announcePosition: q.announcePosition,
      announceHoldTime: q.announceHoldTime,
      periodicAnnounce: greetingSound(state.greetings, q.periodicAnnounceGreetingId),
      periodicAnnounceSeconds: q.periodicAnnounceSeconds,
      exitContext: q.callback.enabled ? `sb-queue-exit-${q.number}` : null,
      members: q.members
        .filter((m) => !m.dynamic)
        .map((m) => ({ interface: `PJSIP/${m.extension}`, penalty: m.penalty, memberName: memberName(m) })),
    })),
  };
}

// switchboard/queues.conf (app_queue).
export function renderQueuesConf(state: DesiredState): string {
  return confTemplate('queues.conf')(queueConfView(state));
}

export function queueDialplanView(state: DesiredState) {
  return {
    queues: sortedQueues(state).map((q) => ({
      number: q.number,
      queue: `sb-queue-${q.number}`,
      context: `sb-queue-${q.number}`,
      vipContext: q.vipCallerIds.length > 0 ? `sb-queue-${q.number}-vip` : null,
      vips: [...q.vipCallerIds].sort(),
      vipPriority: q.vipPriority,
      maxWait: q.maxWaitSeconds,
      failover: destinationGoto(q.failoverDestination),
    })),
  };
}

// The queues' dialplan. sb-queue-numbers, sb-dest-queue and sb-agent-codes always exist: the
// core dialplan includes them.
export function renderQueueDialplan(state: DesiredState): string {
  return confTemplate('dialplan-queue')(queueDialplanView(state)) + renderAgentCodes(state);
}
