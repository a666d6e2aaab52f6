import { startOfLocalDay } from './today';

// "Today" on the wallboard starts at local midnight in the report time zone, also on the days
// the clocks change (the offset at midnight, not the one at the time of asking).

describe('startOfLocalDay', () => {
  const midnight = (at: string, zone: string) => startOfLocalDay(new Date(at), zone).toISOString();

  it('is midnight UTC for UTC', () => {
    expect(midnight('2026-12-01T21:15:00Z', 'UTC')).toBe('2026-12-01T00:00:00.000Z');
  });

  it('uses the local date, which can differ from the UTC date', () => {
    // 23:30 UTC on 1 December is already 2 December in Brussels (UTC+1)…
    expect(midnight('2026-12-01T23:30:00Z', 'Europe/Brussels')).toBe('2026-12-01T23:00:00.000Z');
    // …and still 1 December in New York (UTC-5).
    expect(midnight('2026-12-02T03:00:00Z', 'America/New_York')).toBe('2026-12-01T05:00:00.000Z');
  });

  it('handles half-hour offsets', () => {
    expect(midnight('2026-12-01T12:00:00Z', 'Asia/Kolkata')).toBe('2026-11-30T18:30:00.000Z');
  });

  it('takes the offset in force at midnight on the days summer time starts and ends', () => {
    // Brussels: summer time starts 29 March 2026 at 02:00 (midnight is still UTC+1)…
    expect(midnight('2026-03-29T15:00:00Z', 'Europe/Brussels')).toBe('2026-03-28T23:00:00.000Z');
    // …and ends 25 October 2026 at 03:00 (midnight is still UTC+2).
    expect(midnight('2026-10-25T15:00:00Z', 'Europe/Brussels')).toBe('2026-10-24T22:00:00.000Z');
  });
});
