import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { openBrowser, SHOTS } from '../support/browser';
import { requireAsterisk } from '../support/env';

// Time conditions and emergency mode driven through their pages in Chromium, against a real
// Switchboard and Asterisk: a time condition typed into the form, its override buttons, then the
// emergency switch on and off. Screenshots for the admin guide are a side effect.

jest.setTimeout(120_000);

const OPEN = '2611';
const CLOSED = '2612';

let app: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let greetingId: number;

function shot(name: string): Promise<Buffer> {
  return page.screenshot({ path: join(SHOTS, name), fullPage: true });
}

async function submitted(button: string): Promise<number> {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.url().startsWith(app.url)),
    page.click(button),
  ]);
  await page.waitForLoadState();
  return response.status();
}

beforeAll(async () => {
  requireAsterisk();
  app = await startTestApp();
  ({ browser, context, page } = await openBrowser());
  // The switch asks for confirmation; an admin who clicked it says yes.
  page.on('dialog', (dialog) => void dialog.accept());
  for (const [number, name] of [
    [OPEN, 'Reception'],
    [CLOSED, 'After hours'],
  ] as const) {
    const res = await app.api('POST', '/api/v1/extensions', { body: { number, display_name: name } });
    if (res.status !== 201) throw new Error(`extension ${number}: ${res.status} ${res.text}`);
  }
  const greeting = await app.api('POST', '/api/v1/greetings', {
    body: { name: 'Office closed', default_language: 'en', tts_text: 'The office is closed today.' },
  });
  if (greeting.status !== 201) throw new Error(`greeting: ${greeting.status} ${greeting.text}`);
  greetingId = greeting.body.id;
});

afterAll(async () => {
  if (app) {
    await app.api('PUT', '/api/v1/emergency', { body: { active: false } }).catch(() => undefined);
    const tcs = (await app.api('GET', '/api/v1/time-conditions').catch(() => null))?.body.items ?? [];
    for (const tc of tcs as Array<{ id: number }>)
      await app.api('DELETE', `/api/v1/time-conditions/${tc.id}`);
    for (const n of [OPEN, CLOSED]) await app.api('DELETE', `/api/v1/extensions/${n}`).catch(() => undefined);
    await app.applyNow().catch(() => undefined);
  }
  await context?.close();
  await browser?.close();
  await app?.close();
});

describe('admin UI: time conditions', () => {
  it('signs in and creates office hours with a holiday and a PIN from the form', async () => {
    await page.goto(`${app.url}/login`);
    await page.fill('input[name="username"]', 'admin');
    await page.fill('input[name="password"]', 'admin-password-1');
    await Promise.all([page.waitForURL(`${app.url}/extensions`), page.click('button[type="submit"]')]);

    await page.click('nav a:has-text("Time conditions")');
    await page.click('a:has-text("New time condition")');
    await page.fill('input[name="name"]', 'Office hours');
    await page.fill('input[name="timezone"]', 'Europe/Brussels');
    await page.fill(
      'textarea[name="weekly"]',
      ['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => `${d} 09:00-12:30\n${d} 13:30-17:00`).join('\n'),
    );
    await page.fill(
      'textarea[name="holidays"]',
      '2026-12-25 yearly Christmas\n2026-12-28..2026-12-31 Winter break',
    );
    await page.selectOption('select[name="open_destination"]', `extension:${OPEN}`);
    await page.selectOption('select[name="closed_destination"]', `extension:${CLOSED}`);
    await page.fill('input[name="pin"]', '2468');
    await shot('time-condition-form.png');
    expect(await submitted('button:has-text("Create time condition")')).toBe(303);
    expect(new URL(page.url()).pathname).toBe('/time-conditions');

    const [tc] = (await app.api('GET', '/api/v1/time-conditions')).body.items;
    expect(tc).toMatchObject({
      name: 'Office hours',
      timezone: 'Europe/Brussels',
      override: 'auto',
      open_destination: { type: 'extension', target: OPEN },
      closed_destination: { type: 'extension', target: CLOSED },
      pin_set: true,
    });
    expect(tc.weekly).toHaveLength(10);
    expect(tc.holidays).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'Christmas', start: '2026-12-25', yearly: true }),
      ]),
    );
    expect(JSON.stringify(tc)).not.toContain('2468');
  });

  it('forces it closed with the override buttons, which the API and the dialplan then show', async () => {
    expect(await submitted('button[name="mode"][value="closed"]')).toBe(303);
    await expect(
      page.locator('button[name="mode"][value="closed"]').getAttribute('aria-pressed'),
    ).resolves.toBe('true');
    const [tc] = (await app.api('GET', '/api/v1/time-conditions')).body.items;
    expect(tc).toMatchObject({ override: 'closed', override_via: 'ui', override_by: 'admin' });
    await shot('time-conditions.png');
    expect(await submitted('button[name="mode"][value="auto"]')).toBe(303);
    expect((await app.api('GET', '/api/v1/time-conditions')).body.items[0].override).toBe('auto');
  });
});

describe('admin UI: emergency mode', () => {
  it('sets the greeting and destination, switches it on, and sees who did it; then off again', async () => {
    await page.click('nav a:has-text("Emergency")');
    await page.check('input[name="scope"][value="all"]');
    await page.selectOption('select[name="greeting_id"]', String(greetingId));
    await page.selectOption('select[name="destination"]', `extension:${CLOSED}`);
    expect(await submitted('button:has-text("Save")')).toBe(303);
    await page.fill('input[name="pin"]', '1357');
    expect(await submitted('button:has-text("Save PIN")')).toBe(303);

    expect(await submitted('button[role="switch"]')).toBe(303);
    await expect(page.locator('[data-emergency-state]').textContent()).resolves.toContain('ON');
    const on = (await app.api('GET', '/api/v1/emergency')).body;
    expect(on).toMatchObject({
      active: true,
      all_routes: true,
      greeting_id: greetingId,
      destination: { type: 'extension', target: CLOSED },
      pin_set: true,
    });
    await expect(page.locator('[data-emergency-log] tbody tr').first().textContent()).resolves.toMatch(
      /on\s*admin\s*ui/,
    );
    await shot('emergency-on.png');

    expect(await submitted('button[role="switch"]')).toBe(303);
    await expect(page.locator('[data-emergency-state]').textContent()).resolves.toContain('OFF');
    expect((await app.api('GET', '/api/v1/emergency')).body.active).toBe(false);
  });
});
