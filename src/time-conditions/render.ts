import { destinationGoto } from '../destinations';
import { confTemplate } from '../render/engine';
import type { DesiredState } from '../render/state';
import { formatMinute, normalise } from './schedule';
import type { TimeConditionState } from './state';

// Dialplan from the same normalised rules isOpenAt reads. Asterisk's time ranges include their
// end minute, ours exclude it: 09:00-17:00 renders as 09:00-16:59.
export function timeConditionView(tc: TimeConditionState) {
  const rules = normalise(tc);
  const holidays = rules.holidays;
  return {
    id: tc.id,
    context: `sb-tc-${tc.id}`,
    timezone: tc.timezone,
    forced: tc.override === 'auto' ? null : tc.override,
    holidays: holidays.length > 0,
    dates: holidays.filter((h) => !h.yearly).map((h) => ({ from: h.from, to: h.to })),
    // Compared as 1MMDD so no value starts with a zero.
    yearly: holidays
      .filter((h) => h.yearly)
      .map((h) => ({ from: 10_000 + h.from, to: 10_000 + h.to, wraps: h.wraps })),
    ranges: rules.ranges.map((r) => ({
      day: r.day,
      times: `${formatMinute(r.startMin)}-${formatMinute(r.endMin - 1)}`,
    })),
    open: destinationGoto(tc.openDestination),
    closed: destinationGoto(tc.closedDestination),
  };
}

export function renderTimeConditions(state: DesiredState): string {
  if (state.timeConditions.length === 0) return '';
  const timeConditions = [...state.timeConditions].sort((a, b) => a.id - b.id).map(timeConditionView);
  return confTemplate('dialplan-time-condition')({ timeConditions });
}
