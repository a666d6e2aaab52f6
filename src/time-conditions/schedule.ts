import { localParts } from '../lib/timezone';
import type { HolidayState, TimeConditionState, WeeklyRangeState } from './state';

// The one reading of a time condition's rules. isOpenAt answers for a moment; the renderer turns
// the same normalised rules into dialplan, so what the trace says and what a call does agree.

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Day = (typeof DAYS)[number];

export interface NormalRange {
  day: Day;
  startMin: number; // minutes after local midnight, inclusive
  endMin: number; // exclusive; 1440 = end of the day
  label: string; // "mon 09:00-17:00"
}

// A holiday as integers that compare like dates: full dates as YYYYMMDD; yearly ones as MMDD,
// where a range that passes new year (12-24 → 01-02) wraps.
export interface NormalHoliday {
  name: string;
  yearly: boolean;
  from: number;
  to: number;
  wraps: boolean;
}

export interface NormalRules {
  ranges: NormalRange[];
  holidays: NormalHoliday[];
}

export function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

function dateKey(ymd: string): number {
  return Number(ymd.replaceAll('-', ''));
}

export function normaliseRange(r: WeeklyRangeState): NormalRange {
  return {
    day: r.day,
    startMin: minutes(r.start),
    endMin: minutes(r.end),
    label: `${r.day} ${r.start}-${r.end}`,
  };
}

export function normaliseHoliday(h: HolidayState): NormalHoliday {
  if (!h.yearly)
    return { name: h.name, yearly: false, from: dateKey(h.start), to: dateKey(h.end), wraps: false };
  const from = dateKey(h.start) % 10_000;
  const to = dateKey(h.end) % 10_000;
  return { name: h.name, yearly: true, from, to, wraps: to < from };
}

export function normalise(tc: Pick<TimeConditionState, 'weekly' | 'holidays'>): NormalRules {
  const ranges = tc.weekly
    .map(normaliseRange)
    .sort((a, b) => DAYS.indexOf(a.day) - DAYS.indexOf(b.day) || a.startMin - b.startMin);
  const holidays = tc.holidays
    .map(normaliseHoliday)
    .sort((a, b) => Number(a.yearly) - Number(b.yearly) || a.from - b.from || a.to - b.to);
  return { ranges, holidays };
}

export function holidayCovers(h: NormalHoliday, date: number): boolean {
  if (!h.yearly) return date >= h.from && date <= h.to;
  const md = date % 10_000;
  return h.wraps ? md >= h.from || md <= h.to : md >= h.from && md <= h.to;
}

export interface LocalTime {
  date: number; // YYYYMMDD
  day: Day;
  minute: number; // minutes after local midnight
}

// The wall clock in `timezone` at `at`: Intl applies the zone's DST rules.
export function localTime(at: Date, timezone: string): LocalTime {
  const l = localParts(at, timezone);
  return {
    date: l.year * 10_000 + l.month * 100 + l.day,
    // localParts counts from Sunday, DAYS from Monday.
    day: DAYS[(l.weekday + 6) % 7] as Day,
    minute: l.hour * 60 + l.minute,
  };
}

// Override first, then holidays (a holiday is always closed), then the weekly ranges, all on
// the time condition's own wall clock.
export function isOpenAt(tc: TimeConditionState, at: Date): { open: boolean; reason: string } {
  if (tc.override === 'open') return { open: true, reason: 'forced open by the manual override' };
  if (tc.override === 'closed') return { open: false, reason: 'forced closed by the manual override' };
  const rules = normalise(tc);
  const now = localTime(at, tc.timezone);
  const when = `${formatDate(now.date)} ${now.day} ${formatMinute(now.minute)} ${tc.timezone}`;
  const holiday = rules.holidays.find((h) => holidayCovers(h, now.date));
  if (holiday) return { open: false, reason: `closed: holiday "${holiday.name}" (${when})` };
  const range = rules.ranges.find(
    (r) => r.day === now.day && now.minute >= r.startMin && now.minute < r.endMin,
  );
  if (range) return { open: true, reason: `open: within ${range.label} (${when})` };
  return { open: false, reason: `closed: outside the weekly schedule (${when})` };
}

function formatDate(date: number): string {
  const s = String(date);
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
}

export function formatMinute(min: number): string {
  return `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;
}
