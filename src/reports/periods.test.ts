import { localParts, parseReportTime, periodOf } from './periods';

// periodOf derives local time from a cached offset instead of formatting every bucket; Intl is
// the reference it must agree with, DST days and half/quarter-hour zones included.
const ZONES = [
  'Europe/Paris',
  'America/New_York',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Australia/Lord_Howe',
  'UTC',
];
const pad = (n: number) => String(n).padStart(2, '0');

test.each(ZONES)('every 15-minute bucket of 2026 falls in the local hour Intl gives, in %s', (tz) => {
  const wrong: string[] = [];
  for (let ms = Date.UTC(2026, 0, 1); ms < Date.UTC(2027, 0, 1); ms += 900_000) {
    const l = localParts(new Date(ms), tz);
    const want = `${l.year}-${pad(l.month)}-${pad(l.day)}T${pad(l.hour)}:00`;
    const got = periodOf(new Date(ms), 'hour', tz).key;
    if (got !== want) wrong.push(`${new Date(ms).toISOString()}: ${got} instead of ${want}`);
  }
  expect(wrong).toEqual([]);
});

test('the day Paris leaves summer time has 25 hours and the week starts on Monday', () => {
  const hours = new Set<string>();
  for (let ms = Date.UTC(2026, 9, 24, 22); ms < Date.UTC(2026, 9, 25, 23); ms += 900_000) {
    const p = periodOf(new Date(ms), 'day', 'Europe/Paris');
    expect(p.key).toBe('2026-10-25');
    hours.add(String(ms - (ms % 3_600_000)));
  }
  expect(hours.size).toBe(25);
  expect(periodOf(new Date('2026-10-25T12:00:00Z'), 'week', 'Europe/Paris').key).toBe('2026-10-19');
  expect(periodOf(new Date('2026-10-25T12:00:00Z'), 'hour_of_week', 'Europe/Paris')).toMatchObject({
    key: '0-13',
    label: 'Sun 13:00',
  });
});

test('report times: dates and wall-clock times are read in the zone, instants as given, nonsense refused', () => {
  expect(parseReportTime('2026-12-01', 'Europe/Paris')?.toISOString()).toBe('2026-11-30T23:00:00.000Z');
  expect(parseReportTime('2026-07-01T08:30', 'Europe/Paris')?.toISOString()).toBe('2026-07-01T06:30:00.000Z');
  expect(parseReportTime('2026-12-01', 'Asia/Kathmandu')?.toISOString()).toBe('2026-11-30T18:15:00.000Z');
  expect(parseReportTime('2026-12-01T08:00:00+02:00', 'UTC')?.toISOString()).toBe('2026-12-01T06:00:00.000Z');
  for (const bad of [
    '2026-02-29',
    '2026-13-01',
    '2026-12-01T24:00',
    'tomorrow',
    '1764547200',
    '2026-12-01T08:00:00+0200x',
  ])
    expect(parseReportTime(bad, 'UTC')).toBeNull();
});
