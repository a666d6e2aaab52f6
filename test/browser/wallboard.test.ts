import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { killAllCarrierSipp } from '../carrier/sipp';
import { createExtensions, hangUpAll, startAgentPhone, waitForAgent } from '../support/agents';
import { startTestApp, type TestApp } from '../support/app';
import { waitFor } from '../support/asterisk';
import { openBrowser, SHOTS } from '../support/browser';
import { remoteAsteriskEnv, requireAsterisk } from '../support/env';
import { killAllSipp } from '../support/sip';
import { callFromTrunk, createCallerTrunk } from '../support/trunk-caller';

// The wallboard in a real Chromium opened with a kiosk link (no session): a real Switchboard and
// Asterisk, an agent as a registered SIP phone, callers from a trunk. Tiles and the calls list
// follow the server-sent events without a reload. The screenshot goes to the admin guide.

jest.setTimeout(180_000);

const SALES = { number: '741', did: '555000741' };
const SUPPORT = { number: '742', did: '555000742' };
const EXTS = ['2401', '2402', '2403'];
const TALKER = '3225557411';
const WAITER = '3225557421';

let app: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let trunkId: number | null = null;
const routeIds: number[] = [];

const tile = (queue: string) => page.locator(`article[data-queue="${queue}"]`);
const callRow = (caller: string) => page.locator('tbody[data-wb-calls] tr', { hasText: caller });

async function textIs(what: string, locator: ReturnType<Page['locator']>, text: string): Promise<void> {
  await waitFor(`${what} to read ${text}`, async () => (await locator.textContent()) === text, 15_000);
}

beforeAll(async () => {
  requireAsterisk();
  // As if on another host than Asterisk (AMI over TLS and ARI only, no CLI): this area's real
  // calls prove the network control; its src/ suite keeps proving the local CLI.
  app = await startTestApp({ ...remoteAsteriskEnv() });
  const secrets = await createExtensions(app, EXTS);
  trunkId = await createCallerTrunk(app, 'wallboard-carrier');
  const queues = [
    { ...SALES, name: 'Sales', members: [{ extension: '2401' }] },
    // 2402's desk phone is off and 2403 is an agent not logged in: Support's callers wait.
    { ...SUPPORT, name: 'Support', members: [{ extension: '2402' }, { extension: '2403', dynamic: true }] },
  ];
  for (const q of queues) {
    const res = await app.api('POST', '/api/v1/queues', {
      body: {
        number: q.number,
        name: q.name,
        strategy: 'ringall',
        members: q.members,
        failover_destination: { type: 'hangup' },
      },
    });
    if (res.status !== 201) throw new Error(`queue: ${res.status} ${res.text}`);
    const route = await app.api('POST', '/api/v1/inbound-routes', {
      body: { name: q.name, did: q.did, destination: { type: 'queue', target: q.number } },
    });
    if (route.status !== 201) throw new Error(`route: ${route.status} ${route.text}`);
    routeIds.push(route.body.id as number);
  }
  await app.applied();
  await startAgentPhone('2401', secrets.get('2401')!);
  ({ browser, context, page } = await openBrowser());
}, 180_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await hangUpAll();
  killAllCarrierSipp();
  killAllSipp();
  if (!app) return;
  try {
    for (const id of routeIds) await app.api('DELETE', `/api/v1/inbound-routes/${id}`);
    for (const q of [SALES, SUPPORT]) await app.api('DELETE', `/api/v1/queues/${q.number}`);
    for (const ext of EXTS) await app.api('DELETE', `/api/v1/extensions/${ext}`);
    if (trunkId !== null) await app.api('DELETE', `/api/v1/trunks/${trunkId}`);
    await app.applyNow();
  } finally {
    await app.close();
  }
});

describe('wallboard page', () => {
  it('opens from a kiosk link without signing in and follows a waiting caller in and out of the queue without reloading', async () => {
    const kiosk = await app.api('POST', '/api/v1/wallboard/kiosk-tokens', {
      body: { name: 'Support floor' },
    });
    expect(kiosk.status).toBe(201);

    await page.goto(app.url + (kiosk.body.url as string));
    expect(page.url()).toBe(app.url + kiosk.body.url); // not sent to the sign-in page
    await textIs('the stream status', page.locator('[data-wb-status]'), 'live');
    await expect(page.locator('header nav').count()).resolves.toBe(0);
    await textIs('Support waiting', tile(SUPPORT.number).locator('[data-waiting]'), '0');
    await textIs('Support logged-out agents', tile(SUPPORT.number).locator('[data-logged-out]'), '1');
    await textIs('Support phones offline', tile(SUPPORT.number).locator('[data-unavailable]'), '1');
    await textIs('Sales available agents', tile(SALES.number).locator('[data-available]'), '1');
    // Today's figures come from the reports; with none yet the tile shows a dash, never a guess.
    expect(await tile(SUPPORT.number).locator('[data-answered]').textContent()).toMatch(/^(—|[0-9]+)$/);
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });

    // Sales: a caller answered by 2401 (talking). Support: a caller waits, then hangs up.
    const talker = callFromTrunk({ did: SALES.did, callerId: TALKER, hangup: 'caller', holdMs: 40_000 });
    expect(await waitForAgent(TALKER)).toBe('2401');
    const waiter = callFromTrunk({ did: SUPPORT.did, callerId: WAITER, hangup: 'caller', holdMs: 10_000 });

    await textIs('Support waiting', tile(SUPPORT.number).locator('[data-waiting]'), '1');
    await waitFor(
      'the waiting caller in calls in progress',
      async () => (await callRow(WAITER).count()) === 1,
    );
    expect(await callRow(WAITER).getAttribute('data-call-state')).toBe('waiting');
    expect(await callRow(WAITER).locator('td').nth(2).textContent()).toBe(SUPPORT.number);
    await waitFor(
      'the answered caller shown talking to 2401',
      async () => (await callRow(TALKER).getAttribute('data-call-state')) === 'talking',
    );
    expect(await callRow(TALKER).locator('td').nth(1).textContent()).toBe('2401');
    await textIs('Sales busy agents', tile(SALES.number).locator('[data-busy]'), '1');
    // The wait ticks on the screen between snapshots.
    const firstWait = await tile(SUPPORT.number).locator('[data-longest]').textContent();
    await page.waitForTimeout(2_500);
    expect(await tile(SUPPORT.number).locator('[data-longest]').textContent()).not.toBe(firstWait);
    await page.screenshot({ path: join(SHOTS, 'wallboard.png'), fullPage: true });

    // The caller hangs up: the tile is back to 0 and the call leaves the list, same page.
    expect((await waiter).ok).toBe(true);
    await textIs('Support waiting', tile(SUPPORT.number).locator('[data-waiting]'), '0');
    await waitFor(
      'the caller gone from calls in progress',
      async () => (await callRow(WAITER).count()) === 0,
    );
    expect(await tile(SUPPORT.number).locator('[data-longest]').textContent()).toBe('—');
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
      true,
    );

    await hangUpAll();
    await talker;
    await waitFor('the answered call gone', async () => (await callRow(TALKER).count()) === 0);
  });

  it('lets an admin create a kiosk link from the page (shown once) and revoke it, after which the link shows "not valid"', async () => {
    const admin = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const p = await admin.newPage();
      await p.goto(`${app.url}/login`);
      await p.fill('input[name="username"]', 'admin');
      await p.fill('input[name="password"]', 'admin-password-1');
      await Promise.all([p.waitForURL(`${app.url}/extensions`), p.click('button[type="submit"]')]);
      await p.goto(`${app.url}/wallboard`);
      await textIs('the admin stream', p.locator('[data-wb-status]'), 'live');
      await p.click('a[href="/wallboard/kiosk"]');

      // A bad name is refused with the reason and creates nothing.
      await p.fill('input[name="name"]', 'lobby;screen');
      await p.click('button:has-text("Create link")');
      await expect(p.locator('p.error[role="alert"]').textContent()).resolves.toContain('name');
      await expect(p.locator('[data-created-kiosk]').count()).resolves.toBe(0);

      await p.fill('input[name="name"]', 'Lobby screen');
      await p.click('button:has-text("Create link")');
      const link = await p.locator('[data-kiosk-url]').inputValue();
      expect(link).toMatch(new RegExp(`^${app.url}/wallboard\\?kiosk=sbk_`));
      const row = p.locator('tr', { hasText: 'Lobby screen' });
      await expect(row.locator('.state').textContent()).resolves.toBe('active');
      await p.screenshot({ path: join(SHOTS, 'wallboard-kiosk-links.png'), fullPage: true });

      const screen = await browser.newContext();
      try {
        const wall = await screen.newPage();
        await wall.goto(link);
        await textIs('the kiosk stream', wall.locator('[data-wb-status]'), 'live');

        p.once('dialog', (d) => void d.accept());
        await Promise.all([
          p.waitForURL(`${app.url}/wallboard/kiosk`),
          row.locator('button:has-text("Revoke")').click(),
        ]);
        await expect(
          p.locator('tr', { hasText: 'Lobby screen' }).locator('.state').textContent(),
        ).resolves.toMatch(/^revoked/);
        // The open screen loses its stream at once and says so.
        await waitFor(
          'the revoked screen to say so',
          async () => ((await wall.locator('[data-wb-status]').textContent()) ?? '').includes('disconnected'),
          15_000,
        );
        const again = await wall.goto(link);
        expect(again?.status()).toBe(401);
        await expect(wall.locator('h1').textContent()).resolves.toContain('does not work');
      } finally {
        await screen.close();
      }
    } finally {
      await admin.close();
    }
  });
});
