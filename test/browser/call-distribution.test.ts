import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { openBrowser, SHOTS } from '../support/browser';
import { requireAsterisk } from '../support/env';

// The admin pages of call distribution in a real Chromium against a real Switchboard and
// Asterisk: a ring group and a queue created through their forms (what the form sent is what the
// API then shows, and Asterisk loads it), the feature-codes page changing a code and refusing a
// bad one. The screenshots go to the admin guide.

jest.setTimeout(120_000);

const EXTS = ['2301', '2302', '2303'];

let app: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  requireAsterisk();
  app = await startTestApp();
  for (const number of EXTS) {
    const res = await app.api('POST', '/api/v1/extensions', {
      body: { number, display_name: `Agent ${number}` },
    });
    if (res.status !== 201) throw new Error(`extension ${number}: ${res.status} ${res.text}`);
  }
  ({ browser, context, page } = await openBrowser());
  await page.goto(`${app.url}/login`);
  await page.fill('input[name="username"]', 'admin');
  await page.fill('input[name="password"]', 'admin-password-1');
  await Promise.all([page.waitForURL(`${app.url}/extensions`), page.click('button[type="submit"]')]);
}, 120_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  if (!app) return;
  try {
    await app.api('DELETE', '/api/v1/ring-groups/720');
    await app.api('DELETE', '/api/v1/queues/730');
    for (const number of EXTS) await app.api('DELETE', `/api/v1/extensions/${number}`);
    await app.applyNow();
  } finally {
    await app.close();
  }
});

describe('call distribution pages', () => {
  it('creates a ring group with an external member that must press 1 through the form', async () => {
    await page.goto(`${app.url}/ring-groups/new`);
    await page.fill('#number', '720');
    await page.fill('#name', 'Sales');
    await page.selectOption('#strategy', 'hunt');
    await page.fill('#ring_seconds', '15');
    await page.fill('#caller_id_prefix', 'Sales:');
    await page.fill('#member_0_target', '2301');
    await page.fill('#member_1_target', '2302');
    await page.selectOption('#member_2_kind', 'external');
    await page.fill('#member_2_target', '+32475123456');
    await page.check('#member_2_confirm');
    await page.selectOption('#failover_destination', 'extension:2303');
    await page.screenshot({ path: join(SHOTS, 'ring-group-form.png'), fullPage: true });
    await Promise.all([page.waitForURL(`${app.url}/ring-groups`), page.click('#save-ring-group')]);
    await expect(page.locator('body').textContent()).resolves.toContain('Sales');
    await page.screenshot({ path: join(SHOTS, 'ring-groups.png'), fullPage: true });

    const saved = await app.api('GET', '/api/v1/ring-groups/720');
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({
      number: '720',
      name: 'Sales',
      strategy: 'hunt',
      ring_seconds: 15,
      members: [
        { kind: 'extension', target: '2301', confirm: false },
        { kind: 'extension', target: '2302', confirm: false },
        { kind: 'external', target: '+32475123456', confirm: true },
      ],
      failover_destination: { type: 'extension', target: '2303' },
    });
  });

  it('refuses a hostile ring group name on the form and creates nothing', async () => {
    await page.goto(`${app.url}/ring-groups/new`);
    await page.fill('#number', '721');
    await page.fill('#name', 'x;[evil]${SHELL(id)}');
    await page.fill('#member_0_target', '2301');
    await page.selectOption('#failover_destination', 'hangup:');
    await page.click('#save-ring-group');
    await page.waitForLoadState();
    await expect(page.locator('p.error[role="alert"]').count()).resolves.toBe(1);
    expect((await app.api('GET', '/api/v1/ring-groups/721')).status).toBe(404);
  });

  it('creates a queue through its form: members with penalties and an agent, and Asterisk loads it', async () => {
    await page.goto(`${app.url}/queues/new`);
    await page.fill('#number', '730');
    await page.fill('#name', 'Support');
    await page.selectOption('#strategy', 'leastrecent');
    await page.fill('#members', '2301\n2302 5\n2303 0 dynamic');
    await page.fill('#max_wait_seconds', '120');
    await page.selectOption('#failover_destination', 'ring-group:720');
    await page.screenshot({ path: join(SHOTS, 'queue-form.png'), fullPage: true });
    await Promise.all([page.waitForURL(/\/queues(#.*)?$/), page.click('#save-queue')]);
    await page.screenshot({ path: join(SHOTS, 'queues.png'), fullPage: true });

    const saved = await app.api('GET', '/api/v1/queues/730');
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({
      strategy: 'leastrecent',
      max_wait_seconds: 120,
      members: [
        { extension: '2301', penalty: 0, dynamic: false },
        { extension: '2302', penalty: 5, dynamic: false },
        { extension: '2303', penalty: 0, dynamic: true },
      ],
      failover_destination: { type: 'ring-group', target: '720' },
    });
    await app.applied();
  });

  it('changes a feature code on the feature-codes page and refuses a malformed one', async () => {
    await page.goto(`${app.url}/feature-codes`);
    await page.fill('input[name="code_dnd-toggle"]', '*77');
    await Promise.all([
      page.waitForURL(`${app.url}/feature-codes?saved=1`),
      page.click('form[action="/feature-codes"] button[type="submit"]'),
    ]);
    await page.screenshot({ path: join(SHOTS, 'feature-codes.png'), fullPage: true });
    const codes = await app.api('GET', '/api/v1/feature-codes');
    expect(JSON.stringify(codes.body)).toContain('*77');

    await page.fill('input[name="code_cfu-on"]', '*7\n[x]');
    await page.click('form[action="/feature-codes"] button[type="submit"]');
    await page.waitForLoadState();
    await expect(page.locator('p.error[role="alert"]').count()).resolves.toBe(1);
    const after = await app.api('GET', '/api/v1/feature-codes');
    expect(after.body).toEqual(codes.body);
  });
});
