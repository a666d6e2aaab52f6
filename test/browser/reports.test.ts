import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { openBrowser, SHOTS } from '../support/browser';
import { requireAsterisk } from '../support/env';

// The reports pages in a real Chromium against a real Switchboard on MariaDB: journeys of
// yesterday (UTC) rolled up by the real rollup, the report form run through the browser (chart,
// table, heatmap), a template saved from it and a scheduled report created through its form.
// The screenshots go to the admin guide.

jest.setTimeout(180_000);

const DAY = 86_400_000;
const HOUR = 3_600_000;
const yesterday = Math.floor(Date.now() / DAY) * DAY - DAY;

let app: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;

async function journey(
  n: number,
  at: number,
  outcome: 'answered' | 'missed' | 'voicemail',
  wait: number,
  talk = 0,
) {
  await app.sb.deps.db('call_journeys').insert({
    linkedid: `browser-${n}`,
    started_at: new Date(at),
    answered_at: outcome === 'answered' ? new Date(at + wait * 1000) : null,
    ended_at: new Date(at + (wait + talk) * 1000),
    direction: 'inbound',
    caller_number: '+3225550100',
    called_number: '1001',
    outcome,
    wait_seconds: wait,
    talk_seconds: talk,
    duration_seconds: wait + talk,
    steps: '[]',
  });
}

beforeAll(async () => {
  requireAsterisk();
  app = await startTestApp({ REPORT_TIMEZONE: 'UTC' });
  // Yesterday: 08h 4 calls (3 answered, 1 missed), 10h 2 (1 answered, 1 voicemail), 16h 1 answered.
  const plan: Array<[number, 'answered' | 'missed' | 'voicemail']> = [
    [8, 'answered'],
    [8, 'answered'],
    [8, 'answered'],
    [8, 'missed'],
    [10, 'answered'],
    [10, 'voicemail'],
    [16, 'answered'],
  ];
  let n = 0;
  for (const [hour, outcome] of plan) {
    n += 1;
    await journey(n, yesterday + hour * HOUR + n * 60_000, outcome, 6 + n, outcome === 'answered' ? 90 : 0);
  }
  await app.sb.analytics.rollup();
  ({ browser, context, page } = await openBrowser());
  await page.goto(`${app.url}/login`);
  await page.fill('input[name="username"]', 'admin');
  await page.fill('input[name="password"]', 'admin-password-1');
  await Promise.all([page.waitForURL(`${app.url}/extensions`), page.click('button[type="submit"]')]);
}, 180_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await app?.close();
});

const cells = (kpi: string) =>
  page.locator(`[data-report-table] tbody tr td[data-kpi="${kpi}"]`).allTextContents();

describe('reports page', () => {
  it('shows yesterday by hour as a chart with one bar per hour and figure, and the matching table', async () => {
    await page.goto(`${app.url}/reports`);
    await page.selectOption('#range', 'yesterday');
    await page.selectOption('#group_by', 'hour');
    for (const k of ['offered', 'answered', 'abandoned', 'missed', 'voicemail', 'answer_rate']) {
      const box = page.locator(`#kpi-${k}`);
      if (!(await box.isChecked())) await box.check();
    }
    await Promise.all([page.waitForURL(/\/reports\?/), page.click('#run-report')]);

    expect(await cells('offered')).toEqual(['4', '2', '1']);
    expect(await cells('answered')).toEqual(['3', '1', '1']);
    expect(await cells('answer_rate')).toEqual(['75.0%', '50.0%', '100.0%']);
    expect(await page.locator('[data-report-table] tfoot th[data-kpi="offered"]').textContent()).toBe('7');
    expect(await page.locator('[data-report-table] tfoot th[data-kpi="missed"]').textContent()).toBe('1');
    // Bars: one per hour for each count figure, heights carried as data-value; rates as a line.
    expect(
      await page
        .locator('#report-result svg[data-chart="report"] rect[data-kpi="offered"]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-value'))),
    ).toEqual(['4', '2', '1']);
    expect(await page.locator('#report-result polyline[data-kpi="answer_rate"]').count()).toBe(1);
    // Heatmap: yesterday's weekday row, 08:00 holds 4 calls.
    const weekday = new Date(yesterday).getUTCDay();
    expect(
      await page
        .locator(`svg[data-chart="heatmap"] rect[data-cell="${weekday}-8"]`)
        .getAttribute('data-value'),
    ).toBe('4');
    expect(await page.locator('#report-missed [data-kpi="voicemail"] strong').textContent()).toBe('1');
    const csv = await page.locator('#report-csv').getAttribute('href');
    expect(csv).toContain('/api/v1/reports/calls?');
    expect(csv).toContain('format=csv');
    const download = await page.request.get(`${app.url}${csv}`);
    expect(download.status()).toBe(200);
    expect((await download.text()).trim().split('\n').at(-1)).toBe('total,Total,7,5,0,1,1,0.7143');
    await page.screenshot({ path: join(SHOTS, 'reports.png'), fullPage: true });
  });

  it('saves the settings as a template and loads them back', async () => {
    await page.fill('#template-name', 'Yesterday by hour');
    await Promise.all([page.waitForURL(/\/reports\?template=\d+/), page.click('#save-template')]);
    expect(await page.locator('[data-loaded-template]').textContent()).toBe('Yesterday by hour');
    expect(await cells('offered')).toEqual(['4', '2', '1']);
    const api = await app.api('GET', '/api/v1/report-templates');
    expect(api.body.items).toEqual([
      expect.objectContaining({ name: 'Yesterday by hour', group_by: 'hour', range_preset: 'yesterday' }),
    ]);
  });

  it('refuses an unknown KPI in the query with the reason and no chart', async () => {
    const res = await page.goto(`${app.url}/reports?range=yesterday&group_by=day&kpi=revenue`);
    expect(res?.status()).toBe(400);
    expect(await page.locator('[data-report-error]').textContent()).toContain('unknown KPI "revenue"');
    expect(await page.locator('svg[data-chart="report"]').count()).toBe(0);
  });
});

describe('scheduled report pages', () => {
  it('refuses a recipient that is not an email address, then creates the schedule; its send log shows the failed send', async () => {
    await page.goto(`${app.url}/reports/schedules/new`);
    await page.selectOption('#template_id', { label: 'Yesterday by hour' });
    await page.selectOption('#frequency', 'weekly');
    await page.selectOption('#weekday', '1');
    await page.fill('#time_of_day', '07:30');
    await page.fill('#timezone', 'Europe/Brussels');
    await page.fill('#cron_expression', '');
    await page.fill('#recipients', 'boss@example.test, team@example.test');
    await page.screenshot({ path: join(SHOTS, 'report-schedule.png'), fullPage: true });
    await page.fill('#recipients', 'boss@example.test, not-an-address');
    await page.click('#save-schedule');
    await expect(page.locator('.field-error').first().textContent()).resolves.toContain('email address');
    expect((await app.api('GET', '/api/v1/report-schedules')).body.items).toEqual([]);

    await page.fill('#recipients', 'boss@example.test, team@example.test');
    await Promise.all([page.waitForURL(/\/reports\/schedules#schedule-\d+/), page.click('#save-schedule')]);
    const saved = (await app.api('GET', '/api/v1/report-schedules')).body.items;
    expect(saved).toEqual([
      expect.objectContaining({
        frequency: 'weekly',
        weekday: 1,
        time_of_day: '07:30',
        timezone: 'Europe/Brussels',
        recipients: ['boss@example.test', 'team@example.test'],
        effective_cron: '30 7 * * 1',
      }),
    ]);
    await expect(page.locator('[data-schedules]').textContent()).resolves.toContain('every Monday at 07:30');
    await page.screenshot({ path: join(SHOTS, 'report-schedules.png'), fullPage: true });

    // No mail server is set up: "Send now" logs a failed attempt with the reason.
    await Promise.all([page.waitForURL(/\/sends$/), page.click(`[data-send-now="${saved[0].id}"]`)]);
    expect(await page.locator('[data-sends] tbody tr').getAttribute('data-status')).toBe('failed');
    await expect(page.locator('[data-sends]').textContent()).resolves.toContain('email is not set up');
  });
});
