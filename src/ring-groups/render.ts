import { destinationGoto } from '../destinations';
import { confTemplate } from '../render/engine';
import type { DesiredState } from '../render/state';
import type { RingGroupMemberState } from './state';

// What Dial() takes for one ring group or follow-me member. An external number goes out through
// the outbound routes (sb-dest-external); with confirm, through sb-confirm-external first, which
// connects it only after the person answering pressed 1. Local channels keep /n: optimised away,
// the confirming leg would vanish from the bridge.
export function memberDialString(m: Pick<RingGroupMemberState, 'kind' | 'target' | 'confirm'>): string {
  if (m.kind === 'extension') return `PJSIP/${m.target}`;
  return `Local/${m.target}@${m.confirm ? 'sb-confirm-external' : 'sb-dest-external'}/n`;
}

// The Dial() calls of a strategy, in order, each with its ring time.
export function dialSteps(
  strategy: 'ringall' | 'hunt' | 'memoryhunt',
  members: readonly RingGroupMemberState[],
  seconds: number,
): Array<{ dial: string; seconds: number }> {
  const all = members.map(memberDialString);
  switch (strategy) {
    case 'ringall':
      return [{ dial: all.join('&'), seconds }];
    case 'hunt':
      return all.map((dial) => ({ dial, seconds }));
    case 'memoryhunt':
      return all.map((_, i) => ({ dial: all.slice(0, i + 1).join('&'), seconds }));
  }
}

// True when some ring group or follow-me step needs the confirmation contexts.
export function needsConfirm(state: DesiredState): boolean {
  return (
    state.ringGroups.some((g) => g.members.some((m) => m.kind === 'external' && m.confirm)) ||
    state.followMe.some((f) => f.steps.some((s) => s.kind === 'external' && s.confirm))
  );
}

export function ringGroupView(state: DesiredState) {
  const groups = [...state.ringGroups]
    .sort((a, b) => a.number.length - b.number.length || (a.number < b.number ? -1 : 1))
    .map((g) => ({
      number: g.number,
      prefix: g.callerIdPrefix,
      steps: dialSteps(g.strategy, g.members, g.ringSeconds),
      failover: destinationGoto(g.failoverDestination),
    }));
  return { groups, confirm: needsConfirm(state) };
}

// Pure: the ring-group part of extensions.conf. Both contexts are always there: sb-internal
// includes sb-ring-group-numbers, and destinations Goto sb-dest-ring-group.
export function renderRingGroupDialplan(state: DesiredState): string {
  return confTemplate('dialplan-ring-group')(ringGroupView(state));
}
