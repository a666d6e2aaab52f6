import type { ValidationError } from '../../http/errors';
import { parseReportForm } from './form';
import { periodLabel, presetPeriod, zonedTime } from './ranges';

// Calendar periods in a timezone, without a database: DST days, month ends, week starts.

const iso = (p: { from: Date; to: Date }) => [p.from.toISOString(), p.to.toISOString()];

describe('report periods', () => {
  it('yesterday in Europe/Paris over the autumn DST change is 25 hours between local midnights', () => {
    // 2026-10-25 is the day Paris goes from UTC+2 to UTC+1.
    const p = presetPeriod('yesterday', new Date('2026-10-26T10:00:00Z'), 'Europe/Paris');
    expect(iso(p)).toEqual(['2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z']);
    expect(periodLabel(p, 'Europe/Paris')).toBe('2026-10-25');
  });

  it('last week runs Monday to Monday in the timezone, whatever weekday it is now', () => {
    // Wednesday 2026-12-02 09:00 in Tokyo (UTC+9, no DST).
    const p = presetPeriod('last_week', new Date('2026-12-02T00:00:00Z'), 'Asia/Tokyo');
    expect(iso(p)).toEqual(['2026-11-22T15:00:00.000Z', '2026-11-29T15:00:00.000Z']);
    expect(periodLabel(p, 'Asia/Tokyo')).toBe('2026-11-23 – 2026-11-29');
    // On a Sunday "last week" is still the week before the current Monday.
    const sunday = presetPeriod('last_week', new Date('2026-11-29T12:00:00Z'), 'UTC');
    expect(iso(sunday)).toEqual(['2026-11-16T00:00:00.000Z', '2026-11-23T00:00:00.000Z']);
  });

  it('last month in January is December of the year before', () => {
    const p = presetPeriod('last_month', new Date('2027-01-01T00:30:00Z'), 'America/New_York');
    // Still 31 December 19:30 in New York: last month is November.
    expect(iso(p)).toEqual(['2026-11-01T04:00:00.000Z', '2026-12-01T05:00:00.000Z']);
    const q = presetPeriod('last_month', new Date('2027-01-15T12:00:00Z'), 'UTC');
    expect(iso(q)).toEqual(['2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z']);
  });

  it('a local time skipped by the spring DST jump maps just after the gap', () => {
    // 2026-03-29 02:30 does not exist in Paris (02:00 → 03:00).
    expect(zonedTime(2026, 3, 29, 2, 30, 'Europe/Paris').toISOString()).toBe('2026-03-29T01:30:00.000Z');
  });
});

describe('report page form', () => {
  it('reads a custom range as whole local days, the last one included', () => {
    const { form, period } = parseReportForm(
      {
        range: 'custom',
        from: '2026-11-02',
        to: '2026-11-03',
        group_by: 'day',
        kpi: ['offered', 'missed'],
        queues: '600, 601',
      },
      'Europe/Paris',
    );
    expect(iso(period)).toEqual(['2026-11-01T23:00:00.000Z', '2026-11-03T23:00:00.000Z']);
    expect(form).toMatchObject({
      groupBy: 'day',
      kpis: ['offered', 'missed'],
      filters: { queues: ['600', '601'] },
    });
  });

  it('names every bad field: a date that is not one, a reversed range, an unknown KPI, a hostile queue', () => {
    const fields = (raw: Record<string, unknown>) => {
      try {
        parseReportForm(raw, 'UTC');
        return [];
      } catch (err) {
        return (err as ValidationError).details.map((d) => d.path);
      }
    };
    expect(fields({ range: 'custom', from: '2026-13-45', to: '2026-11-03' })).toEqual(['from']);
    expect(fields({ range: 'custom', from: '2026-11-05', to: '2026-11-03' })).toEqual(['to']);
    expect(fields({ kpi: ['offered', 'revenue'] })).toEqual(['kpi.1']);
    expect(fields({ queues: '600;[x]' })).toEqual(['filters.queues.0']);
    expect(fields({ range: 'forever', group_by: 'fortnight' })).toEqual(['range', 'group_by']);
  });
});
