import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { openBrowser, SHOTS } from '../support/browser';
import { requireAsterisk } from '../support/env';

// The call-flow page in a real Chromium against a real Switchboard (fresh MariaDB database):
// an IVR with two options, its diagram, an inbound route's diagram through a time condition, and
// the trace form. Screenshots for the admin guide are a side effect.

jest.setTimeout(180_000);

const BASE = 3000 + Math.floor(Math.random() * 6000);
const SALES = String(BASE);
const SUPPORT = String(BASE + 1);

let app: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let ivrId: number;
let routeId: number;

function shot(name: string): Promise<Buffer> {
  return page.screenshot({ path: join(SHOTS, name), fullPage: true });
}

async function created(path: string, body: unknown): Promise<number> {
  const res = await app.api('POST', path, { body });
  if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${res.text}`);
  return res.body.id as number;
}

// The admin builds the menu in the IVR form, as the issue asks: two keys, each to an extension.
async function buildMenuInUi(prompt: number): Promise<number> {
  await page.goto(`${app.url}/ivrs`);
  await Promise.all([page.waitForURL(`${app.url}/ivrs/new`), page.click('#new-ivr')]);
  await page.fill('input[name="name"]', 'Main menu');
  await page.selectOption('select[name="prompt_greeting_id"]', String(prompt));
  await page.selectOption('select[name="option_0_digit"]', '1');
  await page.selectOption('select[name="option_0_destination"]', `extension:${SALES}`);
  await page.selectOption('select[name="option_1_digit"]', '2');
  await page.selectOption('select[name="option_1_destination"]', `extension:${SUPPORT}`);
  await page.selectOption('select[name="invalid_destination"]', 'hangup:');
  await shot('ivr-form.png');
  await Promise.all([page.waitForURL(`${app.url}/ivrs`), page.click('#save-ivr')]);
  await shot('ivrs.png');
  const items = (await app.api('GET', '/api/v1/ivrs')).body.items as Array<{
    id: number;
    name: string;
    options: Array<{ digit: string; destination: { type: string; target: string } }>;
  }>;
  const menu = items.find((i) => i.name === 'Main menu');
  if (!menu) throw new Error(`the IVR form did not create the menu (${page.url()})`);
  expect(menu.options).toEqual([
    { digit: '1', destination: { type: 'extension', target: SALES }, language: null },
    { digit: '2', destination: { type: 'extension', target: SUPPORT }, language: null },
  ]);
  return menu.id;
}

beforeAll(async () => {
  requireAsterisk();
  app = await startTestApp();
  ({ browser, context, page } = await openBrowser());
});

afterAll(async () => {
  if (app) {
    if (routeId) await app.api('DELETE', `/api/v1/inbound-routes/${routeId}`).catch(() => undefined);
    await app.applyNow().catch(() => undefined);
  }
  await context?.close();
  await browser?.close();
  await app?.close();
});

describe('admin UI: call flow', () => {
  it('signs in and builds a menu with two options', async () => {
    await page.goto(`${app.url}/login`);
    await page.fill('input[name="username"]', 'admin');
    await page.fill('input[name="password"]', 'admin-password-1');
    await Promise.all([page.waitForURL(`${app.url}/extensions`), page.click('button[type="submit"]')]);
    for (const [number, name] of [
      [SALES, 'Sales'],
      [SUPPORT, 'Support'],
    ]) {
      expect(
        (await app.api('POST', '/api/v1/extensions', { body: { number, display_name: name } })).status,
      ).toBe(201);
    }
    const prompt = await created('/api/v1/greetings', {
      name: 'Welcome',
      default_language: 'en',
      tts_text: 'Welcome. For sales press 1, for support press 2.',
    });
    ivrId = await buildMenuInUi(prompt);
    const ivr = (await app.api('GET', `/api/v1/ivrs/${ivrId}`)).body;
    expect(ivr.options).toHaveLength(2);
  });

  it("opens the menu's diagram from the navigation and sees both options", async () => {
    await page.goto(`${app.url}/extensions`);
    await page.click('nav a:has-text("Call flow")');
    expect(new URL(page.url()).pathname).toBe('/call-flow');
    await page.selectOption('select[name="view"]', `ivr:${ivrId}`);
    await Promise.all([page.waitForURL(/view=ivr/), page.click('button:has-text("Show diagram")')]);
    const diagram = page.locator('[data-diagram]');
    await expect(diagram.locator(`[data-node="ivr:${ivrId}"] strong`).textContent()).resolves.toBe(
      "IVR 'Main menu'",
    );
    const edges = await diagram.locator('.cf-edge').allTextContents();
    expect(edges).toEqual(expect.arrayContaining(['press 1', 'press 2']));
    await expect(diagram.locator(`[data-node="extension:${SALES}"]`).textContent()).resolves.toContain(
      'Sales',
    );
    await expect(diagram.locator(`[data-node="extension:${SUPPORT}"]`).textContent()).resolves.toContain(
      'Support',
    );
    // The option boxes sit to the right of and below the menu box: drawn as a tree.
    const menuBox = await diagram.locator(`[data-node="ivr:${ivrId}"]`).boundingBox();
    const optionBox = await diagram.locator(`[data-node="extension:${SALES}"]`).boundingBox();
    expect(optionBox!.x).toBeGreaterThan(menuBox!.x);
    expect(optionBox!.y).toBeGreaterThan(menuBox!.y);
    await shot('call-flow-ivr.png');
  });

  it("follows the diagram link from the routes list to an inbound route's whole flow", async () => {
    const office = await created('/api/v1/time-conditions', {
      name: 'Office hours',
      timezone: 'Europe/Brussels',
      weekly: ['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => ({ day, start: '09:00', end: '17:00' })),
      holidays: [{ name: 'Christmas', start: '2026-12-25', yearly: true }],
      open_destination: { type: 'ivr', target: String(ivrId) },
      closed_destination: { type: 'hangup', target: '' },
    });
    routeId = await created('/api/v1/inbound-routes', {
      name: 'Main number',
      did: '_3225550XXX',
      destination: { type: 'time-condition', target: String(office) },
    });
    await page.goto(`${app.url}/routes`);
    await Promise.all([
      page.waitForURL(/\/call-flow\?view=inbound-route/),
      page.click('tr[data-route-name="Main number"] a[data-flow-link]'),
    ]);
    const diagram = page.locator('[data-diagram]');
    await expect(diagram.locator(`[data-node="inbound-route:${routeId}"]`).textContent()).resolves.toContain(
      '_3225550XXX',
    );
    const edges = await diagram.locator('.cf-edge').allTextContents();
    expect(edges).toEqual(expect.arrayContaining(['open', 'closed', 'press 1', 'press 2']));
    await shot('call-flow-route.png');
  });

  it('traces a call: in office hours, pressing 2 rings the support extension', async () => {
    await page.fill('input[name="did"]', '3225550100');
    await page.fill('input[name="caller_id"]', '022222222');
    await page.fill('input[name="at"]', '2026-11-24T10:00');
    await page.fill('input[name="tz"]', 'Europe/Brussels');
    await page.fill('input[name="digits"]', '2');
    await Promise.all([page.waitForURL(/trace=1/), page.click('button:has-text("Trace")')]);
    const steps = await page.locator('[data-trace-steps] li').allTextContents();
    expect(steps.map((s) => s.trim().split('\n')[0])).toEqual([
      'call from 022222222 to 3225550100 arrives from a trunk',
      "inbound route 'Main number' matched _3225550XXX",
      expect.stringContaining("time condition 'Office hours' open"),
      "IVR 'Main menu': prompt greeting 'Welcome' plays; waiting 5 s for a key",
      `pressed 2 → extension ${SUPPORT} (Support)`,
      expect.stringMatching(new RegExp(`^rings extension ${SUPPORT} \\(Support\\) for \\d+ s`)),
    ]);
    await expect(page.locator('[data-trace-steps] li.cf-step-end').getAttribute('data-kind')).resolves.toBe(
      'rings',
    );
    await expect(page.locator('[data-trace-steps] li.cf-step-end').textContent()).resolves.toContain(
      `rings extension ${SUPPORT}`,
    );
    await shot('call-flow-trace.png');
  });

  it('on Christmas without keys the trace ends at hang up; a hostile number is refused', async () => {
    await page.fill('input[name="at"]', '2026-12-25T10:00');
    await page.fill('input[name="digits"]', '');
    await Promise.all([page.waitForLoadState(), page.click('button:has-text("Trace")')]);
    await expect(page.locator('[data-trace-steps]').textContent()).resolves.toContain('holiday "Christmas"');
    await expect(page.locator('[data-trace-steps] li.cf-step-end').getAttribute('data-kind')).resolves.toBe(
      'hangup',
    );

    await page.fill('input[name="did"]', '32;${SHELL(id)}');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().includes('/call-flow?') && r.request().method() === 'GET'),
      page.click('button:has-text("Trace")'),
    ]);
    expect(response.status()).toBe(400);
    await page.waitForLoadState();
    await expect(page.locator('label:has(input[name="did"]) .field-error').textContent()).resolves.toContain(
      'dialled number',
    );
    await expect(page.locator('[data-trace-steps]').count()).resolves.toBe(0);
  });
});
