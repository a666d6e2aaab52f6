import { localParts, zonedTime } from '../../lib/timezone';

// Calendar periods in an IANA timezone, as UTC instants: "yesterday in Europe/Paris" is the
// 24 (or 23/25) hours between two local midnights.

export { localParts, zonedTime } from '../../lib/timezone';
export { isTimezone } from '../periods';

export const RANGE_PRESETS = [
  'today',
  'yesterday',
  'last_7_days',
  'last_30_days',
  'this_week',
  'last_week',
  'this_month',
  'last_month',
] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];

export const RANGE_LABEL: Record<RangePreset, string> = {
  today: 'Today',
  yesterday: 'Yesterday',
  last_7_days: 'Last 7 days',
  last_30_days: 'Last 30 days',
  this_week: 'This week (Monday to now)',
  last_week: 'Last week (Monday to Sunday)',
  this_month: 'This month',
  last_month: 'Last month',
};

export interface Period {
  from: Date;
  to: Date;
}

const midnight = (y: number, m: number, d: number, tz: string) => zonedTime(y, m, d, 0, 0, tz);

export function presetPeriod(preset: RangePreset, now: Date, tz: string): Period {
  const p = localParts(now, tz);
  const today = midnight(p.year, p.month, p.day, tz);
  const sinceMonday = (p.weekday + 6) % 7;
  switch (preset) {
    case 'today':
      return { from: today, to: midnight(p.year, p.month, p.day + 1, tz) };
    case 'yesterday':
      return { from: midnight(p.year, p.month, p.day - 1, tz), to: today };
    case 'last_7_days':
      return { from: midnight(p.year, p.month, p.day - 7, tz), to: today };
    case 'last_30_days':
      return { from: midnight(p.year, p.month, p.day - 30, tz), to: today };
    case 'this_week':
      return {
        from: midnight(p.year, p.month, p.day - sinceMonday, tz),
        to: midnight(p.year, p.month, p.day + 1, tz),
      };
    case 'last_week':
      return {
        from: midnight(p.year, p.month, p.day - sinceMonday - 7, tz),
        to: midnight(p.year, p.month, p.day - sinceMonday, tz),
      };
    case 'this_month':
      return { from: midnight(p.year, p.month, 1, tz), to: midnight(p.year, p.month + 1, 1, tz) };
    case 'last_month':
      return { from: midnight(p.year, p.month - 1, 1, tz), to: midnight(p.year, p.month, 1, tz) };
  }
}

// "2026-11-30" in tz, for labels and file names.
export function localDate(at: Date, tz: string): string {
  const p = localParts(at, tz);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

// A period as people read it: "2026-11-30" for one day, "2026-11-23 – 2026-11-29" otherwise
// (the end is exclusive, so the last day shown is the day before `to`).
export function periodLabel(period: Period, tz: string): string {
  const first = localDate(period.from, tz);
  const last = localDate(new Date(period.to.getTime() - 1), tz);
  return first === last ? first : `${first} – ${last}`;
}
