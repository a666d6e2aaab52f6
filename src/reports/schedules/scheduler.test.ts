import { heatmapSvg, reportChartSvg } from '../charts';
import { backoffMs, lastFire, periodFor } from './scheduler';
import { effectiveCron, ReportSchedule, type ScheduleView } from './schema';

// The scheduler's pure parts: which fire is due, which period it reports, the retry backoff,
// and what reaches the SVG (labels are data, so they are escaped).

const schedule = (over: Partial<ScheduleView>): ScheduleView => {
  const base = {
    frequency: 'daily' as const,
    cron_expression: null,
    time_of_day: '06:00',
    weekday: 1,
    day_of_month: 1,
  };
  const s = { ...base, ...over };
  return {
    id: 1,
    template_id: 1,
    template_name: 't',
    timezone: 'UTC',
    recipients: ['a@example.test'],
    enabled: true,
    last_run_at: null,
    created_at: '2026-01-01T00:00:00.000Z',
    ...s,
    effective_cron: effectiveCron(s),
  };
};

// The period a fire reports, as [from, to] in ISO form.
const period = (...args: Parameters<typeof periodFor>) => {
  const p = periodFor(...args);
  return [p.from.toISOString(), p.to.toISOString()];
};

describe('report scheduler', () => {
  it('finds the latest fire of a weekly schedule in its timezone and reports the week before it', () => {
    const s = schedule({
      frequency: 'weekly',
      weekday: 1,
      time_of_day: '07:30',
      timezone: 'Europe/Brussels',
    });
    expect(s.effective_cron).toBe('30 7 * * 1');
    // Thursday 2026-12-03: the last fire was Monday 2026-11-30 07:30 Brussels (06:30 UTC).
    const at = lastFire(s, new Date('2026-12-03T12:00:00Z'), new Date('2026-11-01T00:00:00Z'));
    expect(at?.toISOString()).toBe('2026-11-30T06:30:00.000Z');
    expect(period(s, at!, 'yesterday')).toEqual(['2026-11-22T23:00:00.000Z', '2026-11-29T23:00:00.000Z']);
  });

  it('has no due fire before the schedule existed', () => {
    const s = schedule({ time_of_day: '06:00' });
    expect(lastFire(s, new Date('2026-12-03T05:00:00Z'), new Date('2026-12-02T07:00:00Z'))).toBeNull();
  });

  it('a cron schedule reports the template range as of the fire', () => {
    const s = schedule({ frequency: 'cron', cron_expression: '0 8 * * 1-5', time_of_day: '00:00' });
    const at = lastFire(s, new Date('2026-12-05T12:00:00Z'), new Date('2026-11-01T00:00:00Z')); // Saturday
    expect(at?.toISOString()).toBe('2026-12-04T08:00:00.000Z');
    expect(period(s, at!, 'this_month')).toEqual(['2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z']);
  });

  it('refuses recipients that are not strings and duplicates by name, without throwing', () => {
    const base = { template_id: 1, frequency: 'daily' };
    const paths = (recipients: unknown) => {
      const r = ReportSchedule.safeParse({ ...base, recipients });
      return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
    };
    expect(paths([5, 'a@example.test'])).toEqual(['recipients.0']);
    expect(paths(['a@example.test', 'A@example.test'])).toEqual(['recipients']);
  });

  it('backs off 1, 2, 4 … minutes', () => {
    expect([1, 2, 3, 4].map(backoffMs)).toEqual([60_000, 120_000, 240_000, 480_000]);
  });

  it('refuses a cron expression with a line break or a sixth field by name', () => {
    const body = { template_id: 1, frequency: 'cron', recipients: ['a@example.test'] };
    for (const cron_expression of ['0 6 * * 1\n#exec', '0 0 6 * * 1', '${SHELL(id)} * * * *']) {
      const r = ReportSchedule.safeParse({ ...body, cron_expression });
      expect(r.success).toBe(false);
      expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['cron_expression']);
    }
  });

  it('escapes labels in the SVG charts', () => {
    const svg = reportChartSvg({
      title: '<script>x</script>',
      rows: [{ key: 'q', label: '600 <b>"Sales" & co</b>', values: { offered: 3 } }],
      kpis: ['offered'],
    });
    expect(svg).not.toContain('<script>');
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('&#60;b&#62;&#34;Sales&#34; &#38; co');
    expect(heatmapSvg([{ key: '1-8', label: 'Mon 08:00', values: { offered: 4 } }])).toContain(
      'data-cell="1-8" data-value="4"',
    );
  });
});
