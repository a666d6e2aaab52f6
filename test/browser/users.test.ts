import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { type TestApp, useTestApp } from '../support/app';
import { openBrowser, SHOTS } from '../support/browser';

const app: TestApp = useTestApp();
let browser: Browser;
let page: Page;

beforeAll(async () => {
  ({ browser, page } = await openBrowser());
  await page.goto(`${app.url}/login`);
  await page.fill('input[name="username"]', 'admin');
  await page.fill('input[name="password"]', 'admin-password-1');
  await Promise.all([page.waitForURL(/\/extensions$/), page.click('button[type="submit"]')]);
});
afterAll(async () => {
  await browser?.close();
});

describe('the Users page', () => {
  it('creates a user whose generated password is shown once and lets them sign in', async () => {
    await page.goto(`${app.url}/users`);
    await page.fill('input[name="username"]', 'frontdesk');
    await page.selectOption('select[name="role"]', 'supervisor');
    await page.click('text=Create user');
    const password = (await page.locator('[data-password]').textContent())?.trim() ?? '';
    expect(password).toMatch(/^[A-Za-z0-9]{20}$/);
    await page.screenshot({ path: join(SHOTS, 'users.png'), fullPage: true });
    await page.goto(`${app.url}/users`);
    expect(await page.content()).not.toContain(password);
    const login = await fetch(`${app.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'frontdesk', password }).toString(),
    });
    expect(login.status).toBe(303);
  });

  it('refuses a bad username with a field error and creates nothing', async () => {
    await page.goto(`${app.url}/users`);
    await page.fill('input[name="username"]', 'evil;name');
    await page.click('text=Create user');
    expect(await page.locator('.field-error').first().textContent()).toMatch(/lowercase/);
    expect(
      (await app.api('GET', '/api/v1/users')).body.items.map((u: { username: string }) => u.username),
    ).not.toContain('evil;name');
  });

  it('creates an API token shown once that authenticates, and revokes it', async () => {
    const user = (await app.api('GET', '/api/v1/users')).body.items.find(
      (u: { username: string }) => u.username === 'frontdesk',
    );
    await page.goto(`${app.url}/users/${user.id}`);
    await page.fill('input[name="name"]', 'wallboard');
    await page.click('text=Create token');
    const token = (await page.locator('[data-token]').textContent())?.trim() ?? '';
    expect((await app.api('GET', '/api/v1/me', { token })).body.username).toBe('frontdesk');
    await page.screenshot({ path: join(SHOTS, 'user-edit.png'), fullPage: true });
    await page.goto(`${app.url}/users/${user.id}`);
    expect(await page.content()).not.toContain(token);
    await page.click('text=Revoke');
    expect((await app.api('GET', '/api/v1/me', { token })).status).toBe(401);
  });

  it('keeps the last admin: demoting it shows the reason and changes nothing', async () => {
    const admins = (await app.api('GET', '/api/v1/users')).body.items.filter(
      (u: { role: string }) => u.role === 'admin',
    );
    expect(admins).toHaveLength(1);
    await page.goto(`${app.url}/users/${admins[0].id}`);
    await page.selectOption('select[name="role"]', 'user');
    await page.click('text=Save');
    expect(await page.locator('[role="alert"]').textContent()).toContain('last enabled admin');
    expect(
      (await app.api('GET', '/api/v1/users')).body.items.find((u: { id: number }) => u.id === admins[0].id)
        .role,
    ).toBe('admin');
  });
});
