import { isOpenAt, localTime, normalise } from './schedule';
import type { TimeConditionState } from './state';

function tc(over: Partial<TimeConditionState> = {}): TimeConditionState {
  return {
    id: 1,
    name: 'Office',
    timezone: 'Europe/Brussels',
    weekly: [
      { day: 'mon', start: '09:00', end: '12:30' },
      { day: 'mon', start: '13:30', end: '17:00' },
      { day: 'tue', start: '09:00', end: '17:00' },
      { day: 'sat', start: '00:00', end: '24:00' },
    ],
    holidays: [],
    override: 'auto',
    openDestination: { type: 'extension', target: '1001' },
    closedDestination: { type: 'hangup', target: '' },
    ...over,
  };
}

// Instants are written in UTC; Brussels is UTC+1 in winter and UTC+2 in summer.
const at = (iso: string) => new Date(iso);

describe('isOpenAt: the weekly schedule on the condition’s own wall clock', () => {
  it('is open inside a range and closed in the lunch gap between two ranges of one day', () => {
    // Monday 2026-01-05
    expect(isOpenAt(tc(), at('2026-01-05T08:00:00Z')).open).toBe(true); // 09:00 local
    expect(isOpenAt(tc(), at('2026-01-05T11:29:00Z')).open).toBe(true); // 12:29
    expect(isOpenAt(tc(), at('2026-01-05T11:30:00Z')).open).toBe(false); // 12:30: end is exclusive
    expect(isOpenAt(tc(), at('2026-01-05T12:30:00Z')).open).toBe(true); // 13:30
    expect(isOpenAt(tc(), at('2026-01-05T15:59:59Z')).open).toBe(true); // 16:59:59
    expect(isOpenAt(tc(), at('2026-01-05T16:00:00Z')).open).toBe(false); // 17:00
  });

  it('reads the start minute as open and the minute before as closed', () => {
    expect(isOpenAt(tc(), at('2026-01-05T07:59:59Z')).open).toBe(false);
    const r = isOpenAt(tc(), at('2026-01-05T08:00:00Z'));
    expect(r.reason).toContain('mon 09:00-12:30');
  });

  it('is closed on a day without ranges and says why', () => {
    const r = isOpenAt(tc(), at('2026-01-07T10:00:00Z')); // Wednesday
    expect(r).toEqual({ open: false, reason: expect.stringContaining('outside the weekly schedule') });
    expect(r.reason).toContain('2026-01-07 wed 11:00 Europe/Brussels');
  });

  it('takes 24:00 as the end of the day (a whole Saturday)', () => {
    expect(isOpenAt(tc(), at('2026-01-09T23:00:00Z')).open).toBe(true); // Sat 00:00 local
    expect(isOpenAt(tc(), at('2026-01-10T22:59:00Z')).open).toBe(true); // Sat 23:59 local
    expect(isOpenAt(tc(), at('2026-01-10T23:00:00Z')).open).toBe(false); // Sun 00:00 local
  });

  it('follows daylight saving time: 09:00 local is 08:00 UTC in winter and 07:00 UTC in summer', () => {
    expect(isOpenAt(tc(), at('2026-07-06T07:00:00Z')).open).toBe(true); // Mon 09:00 CEST
    expect(isOpenAt(tc(), at('2026-07-06T06:59:00Z')).open).toBe(false); // 08:59 CEST
    expect(isOpenAt(tc(), at('2026-01-05T07:00:00Z')).open).toBe(false); // 08:00 CET
  });

  it('handles the DST switch night itself (Sunday 2026-03-29, 02:00 → 03:00 in Brussels)', () => {
    const night = tc({ weekly: [{ day: 'sun', start: '01:00', end: '04:00' }] });
    expect(localTime(at('2026-03-29T00:59:00Z'), 'Europe/Brussels').minute).toBe(119); // 01:59 CET
    expect(localTime(at('2026-03-29T01:00:00Z'), 'Europe/Brussels').minute).toBe(180); // 03:00 CEST
    expect(isOpenAt(night, at('2026-03-29T01:30:00Z')).open).toBe(true); // 03:30 CEST
    expect(isOpenAt(night, at('2026-03-29T02:00:00Z')).open).toBe(false); // 04:00 CEST
  });

  it('uses the time zone, not the server clock: the same instant is Monday in Tokyo and Sunday in New York', () => {
    const instant = at('2026-01-05T01:00:00Z');
    const anyDay = { weekly: [{ day: 'mon' as const, start: '00:00', end: '24:00' }] };
    expect(isOpenAt(tc({ ...anyDay, timezone: 'Asia/Tokyo' }), instant).open).toBe(true);
    expect(isOpenAt(tc({ ...anyDay, timezone: 'America/New_York' }), instant).open).toBe(false);
  });
});

describe('isOpenAt: holidays come before the weekly schedule', () => {
  it('is closed on a one-day holiday that falls in a weekly range, and names it', () => {
    const c = tc({
      holidays: [{ name: 'Closing day', start: '2026-01-05', end: '2026-01-05', yearly: false }],
    });
    expect(isOpenAt(c, at('2026-01-05T09:00:00Z'))).toEqual({
      open: false,
      reason: expect.stringContaining('holiday "Closing day"'),
    });
    expect(isOpenAt(c, at('2026-01-06T09:00:00Z')).open).toBe(true);
  });

  it('covers every day of a date range, inclusive of both ends, and only in its year', () => {
    const c = tc({ holidays: [{ name: 'Works', start: '2026-01-05', end: '2026-01-06', yearly: false }] });
    expect(isOpenAt(c, at('2026-01-05T09:00:00Z')).open).toBe(false);
    expect(isOpenAt(c, at('2026-01-06T15:00:00Z')).open).toBe(false);
    expect(isOpenAt(c, at('2027-01-05T09:00:00Z')).open).toBe(true); // Tue 2027-01-05
  });

  it('uses the local date at the boundaries: 23:30 UTC on the eve is already the holiday in Brussels', () => {
    const c = tc({
      weekly: [{ day: 'mon', start: '00:00', end: '24:00' }],
      holidays: [{ name: 'Monday off', start: '2026-01-05', end: '2026-01-05', yearly: false }],
    });
    expect(isOpenAt(c, at('2026-01-04T23:30:00Z')).open).toBe(false); // Mon 00:30 local, holiday
  });

  it('repeats a yearly holiday every year, whatever year it was entered with', () => {
    const c = tc({
      holidays: [{ name: 'National day', start: '2020-07-21', end: '2020-07-21', yearly: true }],
    });
    expect(isOpenAt(c, at('2026-07-21T08:00:00Z')).open).toBe(false); // Tuesday
    expect(isOpenAt(c, at('2026-07-20T08:00:00Z')).open).toBe(true); // Monday
  });

  it('lets a yearly holiday pass new year (24 December → 2 January)', () => {
    const c = tc({
      weekly: ['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => ({
        day: day as 'mon',
        start: '00:00',
        end: '24:00',
      })),
      holidays: [{ name: 'Winter break', start: '2025-12-24', end: '2026-01-02', yearly: true }],
    });
    expect(isOpenAt(c, at('2026-12-23T12:00:00Z')).open).toBe(true); // Wed
    expect(isOpenAt(c, at('2026-12-24T12:00:00Z')).open).toBe(false); // Thu
    expect(isOpenAt(c, at('2026-12-31T12:00:00Z')).open).toBe(false);
    expect(isOpenAt(c, at('2027-01-01T12:00:00Z')).open).toBe(false); // Fri
    expect(isOpenAt(c, at('2027-01-04T12:00:00Z')).open).toBe(true); // Mon
    expect(isOpenAt(c, at('2026-06-15T12:00:00Z')).open).toBe(true); // summer Monday
  });

  it('matches a yearly 29 February only in leap years', () => {
    const c = tc({
      weekly: [
        { day: 'sat', start: '00:00', end: '24:00' },
        { day: 'sun', start: '00:00', end: '24:00' },
      ],
      holidays: [{ name: 'Leap day', start: '2024-02-29', end: '2024-02-29', yearly: true }],
    });
    expect(isOpenAt(c, at('2032-02-29T12:00:00Z')).open).toBe(false); // Sunday, leap year
    expect(isOpenAt(c, at('2026-03-01T12:00:00Z')).open).toBe(true); // Sunday after 28 Feb
  });
});

describe('isOpenAt: the manual override decides alone', () => {
  const holiday = { name: 'Holiday', start: '2026-01-05', end: '2026-01-05', yearly: false };
  it('forced open is open on a holiday outside the schedule', () => {
    const r = isOpenAt(tc({ override: 'open', holidays: [holiday] }), at('2026-01-05T22:00:00Z'));
    expect(r).toEqual({ open: true, reason: 'forced open by the manual override' });
  });
  it('forced closed is closed inside the schedule', () => {
    const r = isOpenAt(tc({ override: 'closed' }), at('2026-01-05T09:00:00Z'));
    expect(r).toEqual({ open: false, reason: 'forced closed by the manual override' });
  });
});

describe('normalise', () => {
  it('orders ranges by weekday then time and holidays dated before yearly, whatever the input order', () => {
    const rules = normalise({
      weekly: [
        { day: 'tue', start: '09:00', end: '10:00' },
        { day: 'mon', start: '14:00', end: '15:00' },
        { day: 'mon', start: '08:00', end: '09:00' },
      ],
      holidays: [
        { name: 'y', start: '2026-12-24', end: '2027-01-02', yearly: true },
        { name: 'd', start: '2026-05-01', end: '2026-05-01', yearly: false },
      ],
    });
    expect(rules.ranges.map((r) => r.label)).toEqual([
      'mon 08:00-09:00',
      'mon 14:00-15:00',
      'tue 09:00-10:00',
    ]);
    expect(rules.holidays).toEqual([
      { name: 'd', yearly: false, from: 20260501, to: 20260501, wraps: false },
      { name: 'y', yearly: true, from: 1224, to: 102, wraps: true },
    ]);
  });
});
