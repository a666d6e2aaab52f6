// Folding 15-minute UTC buckets into the periods a person reads in their own time zone.
import { isKnownTimeZone, type LocalParts, localParts } from '../lib/timezone';
import type { Grouping } from './types';

export { type LocalParts, localParts };

export type TimeGrouping = Extract<Grouping, 'hour' | 'day' | 'week' | 'month' | 'hour_of_week'>;
export const TIME_GROUPINGS: readonly TimeGrouping[] = ['hour', 'day', 'week', 'month', 'hour_of_week'];
export const isTimeGrouping = (g: Grouping): g is TimeGrouping =>
  (TIME_GROUPINGS as readonly string[]).includes(g);

export function isTimezone(tz: string): boolean {
  // Names only (Europe/Paris, UTC, Etc/GMT+5): Intl also takes offsets like "+01:00".
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(tz)) return false;
  return isKnownTimeZone(tz);
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

// The zone's offset (ms) at an instant. Formatting costs ~40 µs a call, too much for the
// thousands of buckets of a month: the offset is looked up at UTC midnights (cached) and, on
// the rare day where it changes, the change is found by bisection to the minute.
const offsetCache = new Map<string, number>();
const MINUTE = 60_000;
const DAY = 86_400_000;

function exactOffset(ms: number, tz: string): number {
  const l = localParts(new Date(ms), tz);
  return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute) - Math.floor(ms / MINUTE) * MINUTE;
}

function midnightOffset(day: number, tz: string): number {
  const key = `${tz}|${day}`;
  let o = offsetCache.get(key);
  if (o === undefined) {
    if (offsetCache.size > 50_000) offsetCache.clear();
    o = exactOffset(day * DAY, tz);
    offsetCache.set(key, o);
  }
  return o;
}

const changeCache = new Map<string, number>();
export function offsetAt(ms: number, tz: string): number {
  const day = Math.floor(ms / DAY);
  const before = midnightOffset(day, tz);
  const after = midnightOffset(day + 1, tz);
  if (before === after) return before;
  // Zones change offset at most once a day: the first minute with the new offset.
  const key = `${tz}|${day}`;
  let change = changeCache.get(key);
  if (change === undefined) {
    let lo = day * DAY;
    let hi = (day + 1) * DAY;
    while (hi - lo > MINUTE) {
      const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
      if (exactOffset(mid, tz) === before) lo = mid;
      else hi = mid;
    }
    change = hi;
    if (changeCache.size > 10_000) changeCache.clear();
    changeCache.set(key, change);
  }
  return ms < change ? before : after;
}

function fastParts(at: Date, tz: string): LocalParts {
  const local = new Date(at.getTime() + offsetAt(at.getTime(), tz));
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    weekday: local.getUTCDay(),
  };
}

// key: the local start of the period (ISO 8601 local time, "3-14" for Wednesday 14:00 in the
// heatmap); sort: orders keys chronologically; label: what a person reads.
export function periodOf(
  at: Date,
  grouping: TimeGrouping,
  tz: string,
): { key: string; label: string; sort: number } {
  const l = fastParts(at, tz);
  const date = `${l.year}-${pad(l.month)}-${pad(l.day)}`;
  switch (grouping) {
    case 'hour':
      return {
        key: `${date}T${pad(l.hour)}:00`,
        label: `${date} ${pad(l.hour)}:00`,
        sort: Date.UTC(l.year, l.month - 1, l.day, l.hour),
      };
    case 'day':
      return { key: date, label: date, sort: Date.UTC(l.year, l.month - 1, l.day) };
    case 'week': {
      // ISO weeks start on Monday.
      const monday = new Date(Date.UTC(l.year, l.month - 1, l.day - ((l.weekday + 6) % 7)));
      const key = monday.toISOString().slice(0, 10);
      return { key, label: `week of ${key}`, sort: monday.getTime() };
    }
    case 'month':
      return {
        key: `${l.year}-${pad(l.month)}`,
        label: `${l.year}-${pad(l.month)}`,
        sort: Date.UTC(l.year, l.month - 1, 1),
      };
    case 'hour_of_week':
      return hourOfWeek(l.weekday, l.hour);
  }
}

export function hourOfWeek(weekday: number, hour: number): { key: string; label: string; sort: number } {
  return { key: `${weekday}-${hour}`, label: `${DAYS[weekday]} ${pad(hour)}:00`, sort: weekday * 24 + hour };
}

// A wall-clock time in a zone → the instant. Two passes settle the offset, DST days included
// (a time inside a spring-forward gap lands just after it).
export function zonedToUtc(y: number, mo: number, d: number, h: number, mi: number, tz: string): Date {
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  let guess = wall;
  for (let i = 0; i < 2; i++) {
    const l = localParts(new Date(guess), tz);
    const seen = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute);
    guess += wall - seen;
  }
  return new Date(guess);
}

// "2026-12-01", "2026-12-01T08:00" (wall clock in tz) or an ISO instant with Z/offset.
export function parseReportTime(value: string, tz: string): Date | null {
  const local = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::00)?)?$/.exec(value);
  if (local) {
    const [y, mo, d, h, mi] = local.slice(1).map((x) => Number(x ?? 0)) as [
      number,
      number,
      number,
      number,
      number,
    ];
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return null;
    const check = new Date(Date.UTC(y, mo - 1, d));
    if (check.getUTCDate() !== d) return null;
    return zonedToUtc(y, mo, d, h, mi, tz);
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return null;
  const t = new Date(value);
  return Number.isNaN(t.getTime()) ? null : t;
}
