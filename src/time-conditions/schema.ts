import { z } from 'zod';
import { Destination } from '../destinations';
import { isKnownTimeZone } from '../lib/timezone';
import { DAYS, minutes } from './schedule';

export const OVERRIDE_MODES = ['auto', 'open', 'closed'] as const;
export type OverrideMode = (typeof OVERRIDE_MODES)[number];

export const Name = z
  .string()
  .trim()
  .min(1)
  .max(80)
  .regex(/^[\p{L}\p{N} ._()'&-]+$/u, "letters, digits, spaces and . _ ( ) ' & - only");

// IANA names only: Area/Location segments, no dots (so no "..") and nothing Asterisk would read
// as syntax. Intl must know the zone; the service also checks Asterisk has its zone file.
export const Timezone = z
  .string()
  .max(64)
  .regex(
    /^[A-Za-z][A-Za-z0-9_+-]{0,30}(\/[A-Za-z0-9_+-]{1,30}){0,2}$/,
    'must be an IANA time zone name such as Europe/Brussels',
  )
  .refine(isKnownTimeZone, 'unknown time zone');

const Clock = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, 'must be HH:MM (00:00-23:59)');
const ClockEnd = z.string().regex(/^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/, 'must be HH:MM (00:01-24:00)');

export const WeeklyRange = z
  .strictObject({ day: z.enum(DAYS), start: Clock, end: ClockEnd })
  .refine((r) => minutes(r.start) < minutes(r.end), {
    message: 'start must be before end (a range cannot pass midnight: split it in two days)',
    path: ['end'],
  });

export function realDate(ymd: string): boolean {
  const [y, m, d] = ymd.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

const CalendarDate = z
  .string()
  .regex(/^(19|20)[0-9]{2}-[0-9]{2}-[0-9]{2}$/, 'must be a date YYYY-MM-DD')
  .refine(realDate, 'no such calendar date');

export const Holiday = z
  .strictObject({
    name: Name,
    start: CalendarDate,
    end: CalendarDate.optional(),
    yearly: z.boolean().default(false),
  })
  .transform((h) => ({ ...h, end: h.end ?? h.start }))
  .superRefine((h, ctx) => {
    if (h.end < h.start) ctx.addIssue({ code: 'custom', path: ['end'], message: 'end is before start' });
    else if (h.yearly && oneYearLater(h.start) <= h.end)
      ctx.addIssue({
        code: 'custom',
        path: ['end'],
        message: 'a yearly holiday must be shorter than a year',
      });
  });

function oneYearLater(ymd: string): string {
  return `${Number(ymd.slice(0, 4)) + 1}${ymd.slice(4)}`;
}

export const Pin = z.string().regex(/^[0-9]{4,10}$/, 'must be 4 to 10 digits');

export const TimeConditionInput = z
  .strictObject({
    name: Name,
    timezone: Timezone,
    weekly: z.array(WeeklyRange).max(70).default([]),
    holidays: z.array(Holiday).max(400).default([]),
    open_destination: Destination,
    closed_destination: Destination,
    // Absent: unchanged (automatic for a new one).
    override: z.enum(OVERRIDE_MODES).optional(),
    // For the override feature code. Absent: unchanged; null: removed (the code is refused).
    pin: Pin.nullable().optional(),
  })
  .superRefine((tc, ctx) => {
    for (const day of DAYS) {
      const ranges = tc.weekly
        .map((r, i) => ({ ...r, i }))
        .filter((r) => r.day === day)
        .sort((a, b) => minutes(a.start) - minutes(b.start));
      for (let k = 1; k < ranges.length; k++) {
        const prev = ranges[k - 1]!;
        const cur = ranges[k]!;
        if (minutes(cur.start) < minutes(prev.end)) {
          ctx.addIssue({
            code: 'custom',
            path: ['weekly', cur.i],
            message: `overlaps ${day} ${prev.start}-${prev.end}`,
          });
        }
      }
    }
  });
export type TimeConditionInput = z.infer<typeof TimeConditionInput>;

export const OverrideInput = z.strictObject({ mode: z.enum(OVERRIDE_MODES) });

export const PinInput = z.strictObject({ pin: Pin.nullable() });
