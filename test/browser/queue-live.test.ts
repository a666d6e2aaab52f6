import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { killAllCarrierSipp } from '../carrier/sipp';
import { createExtensions, hangUpAll, startAgentPhone, waitForAgent } from '../support/agents';
import { startTestApp, type TestApp } from '../support/app';
import { mainAri, waitFor } from '../support/asterisk';
import { openBrowser, SHOTS } from '../support/browser';
import { requireAsterisk } from '../support/env';
import { killAllSipp } from '../support/sip';
import { callFromTrunk, createCallerTrunk } from '../support/trunk-caller';

// The queue live page in a real Chromium: a real Switchboard and Asterisk, agents as registered
// SIP phones, callers from a trunk. The badges change without reloading the page (it polls the
// live JSON), the buttons log in and pause through forms. The screenshot goes to the admin guide.

jest.setTimeout(150_000);

const QUEUE = '711';
const DID = '555000711';
const EXTS = ['2101', '2102', '2103'];

let app: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let trunkId: number | null = null;
let routeId: number | null = null;

const row = (ext: string) => page.locator(`tr[data-ext="${ext}"]`);
const badge = (ext: string) => row(ext).locator('[data-state]');

async function badgeIs(ext: string, text: string): Promise<void> {
  await waitFor(`${ext} shown as ${text}`, async () => (await badge(ext).textContent()) === text, 10_000);
}

beforeAll(async () => {
  requireAsterisk();
  app = await startTestApp();
  const secrets = await createExtensions(app, EXTS);
  trunkId = await createCallerTrunk(app, 'live-carrier');
  const q = await app.api('POST', '/api/v1/queues', {
    body: {
      number: QUEUE,
      name: 'Support line',
      strategy: 'ringall',
      ring_seconds: 10,
      retry_seconds: 1,
      members: [
        { extension: '2101', dynamic: true },
        { extension: '2102', dynamic: true },
        { extension: '2103', penalty: 2 },
      ],
      failover_destination: { type: 'hangup' },
    },
  });
  if (q.status !== 201) throw new Error(`queue: ${q.status} ${q.text}`);
  const route = await app.api('POST', '/api/v1/inbound-routes', {
    body: { name: 'Support', did: DID, destination: { type: 'queue', target: QUEUE } },
  });
  if (route.status !== 201) throw new Error(`route: ${route.status} ${route.text}`);
  routeId = route.body.id as number;
  await app.applied();
  // 2101 and 2102 have phones; 2103's desk phone is off (unavailable).
  await Promise.all(['2101', '2102'].map((ext) => startAgentPhone(ext, secrets.get(ext)!)));
  ({ browser, context, page } = await openBrowser());
}, 150_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await hangUpAll();
  killAllCarrierSipp();
  killAllSipp();
  if (!app) return;
  try {
    if (routeId !== null) await app.api('DELETE', `/api/v1/inbound-routes/${routeId}`);
    await app.api('DELETE', `/api/v1/queues/${QUEUE}`);
    for (const ext of EXTS) await app.api('DELETE', `/api/v1/extensions/${ext}`);
    if (trunkId !== null) await app.api('DELETE', `/api/v1/trunks/${trunkId}`);
    await app.applyNow();
  } finally {
    await app.close();
  }
});

describe('queue live page', () => {
  it('shows members with live states, logs an agent in and pauses another from the page, lists waiting callers', async () => {
    await page.goto(`${app.url}/login`);
    await page.fill('input[name="username"]', 'admin');
    await page.fill('input[name="password"]', 'admin-password-1');
    await Promise.all([page.waitForURL(`${app.url}/extensions`), page.click('button[type="submit"]')]);

    await page.goto(`${app.url}/queues/${QUEUE}/live`);
    await expect(page.locator('h1').first().textContent()).resolves.toContain('Support line');
    await badgeIs('2101', 'logged out');
    await badgeIs('2102', 'logged out');
    await badgeIs('2103', 'unavailable');
    await expect(row('2103').locator('td').nth(2).textContent()).resolves.toBe('static');

    // Log in 2101 with its button: the page comes back with the agent available.
    await Promise.all([
      page.waitForURL(`${app.url}/queues/${QUEUE}/live`),
      row('2101')
        .locator('button', { hasText: /^Log in$/ })
        .click(),
    ]);
    await badgeIs('2101', 'available');
    expect(
      await row('2101')
        .locator('button', { hasText: /^Log in$/ })
        .isVisible(),
    ).toBe(false);
    expect(await row('2101').locator('button:has-text("Log out")').isVisible()).toBe(true);

    // 2102 logs in elsewhere (the API, as its phone's *45 would): the badge follows without a reload.
    expect((await app.api('POST', `/api/v1/queues/${QUEUE}/agents/2102/login`)).status).toBe(200);
    await badgeIs('2102', 'available');

    // Pause 2102 from the page with a reason; a bad reason is refused and changes nothing.
    await row('2102').locator('input[name="reason"]').fill('lunch;break');
    await row('2102')
      .locator('button', { hasText: /^Pause$/ })
      .click();
    await page.waitForLoadState();
    await expect(page.locator('p.error[role="alert"]').textContent()).resolves.toContain('reason');
    await badgeIs('2102', 'available');
    await row('2102').locator('input[name="reason"]').fill('lunch');
    await Promise.all([
      page.waitForURL(`${app.url}/queues/${QUEUE}/live`),
      row('2102')
        .locator('button', { hasText: /^Pause$/ })
        .click(),
    ]);
    await badgeIs('2102', 'paused (lunch)');
    expect(await row('2102').locator('button:has-text("Unpause")').isVisible()).toBe(true);

    // One caller is answered by 2101 (in call), the next waits: 2102 paused, 2103 unavailable.
    const first = callFromTrunk({ did: DID, callerId: '3225557001', hangup: 'caller', holdMs: 30_000 });
    expect(await waitForAgent('3225557001')).toBe('2101');
    const second = callFromTrunk({ did: DID, callerId: '3225557002', hangup: 'caller', holdMs: 30_000 });
    await badgeIs('2101', 'in call');
    await waitFor(
      'the waiting caller on the page',
      async () =>
        (await page.locator('[data-live-callers] td.mono').allTextContents()).includes('3225557002'),
      10_000,
    );
    await expect(page.locator('[data-waiting-count]').textContent()).resolves.toBe('1');
    await page.waitForTimeout(2_500); // the wait time ticks past 0:00 for the picture
    await page.screenshot({ path: join(SHOTS, 'queue-live.png'), fullPage: true });

    // The page agrees with Asterisk.
    const channels = await mainAri<Array<{ name: string }>>('GET', '/channels');
    expect(channels.some((c) => c.name.startsWith('PJSIP/2101-'))).toBe(true);
    await hangUpAll();
    await Promise.all([first, second]);
    await badgeIs('2101', 'available');
  });
});
