import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { createUser } from '../../src/auth/accounts';
import { type TestApp, useTestApp } from '../support/app';
import { openBrowser, SHOTS } from '../support/browser';

// The account features in Chromium, as a person meets them: a forced password change, a role
// required to use a second factor, enrolment from the secret shown, two-step sign-in with a
// code or a recovery code, and an own read-only token.
const app: TestApp = useTestApp();
let browser: Browser;
let page: Page;

beforeAll(async () => {
  ({ browser, page } = await openBrowser());
});
afterAll(async () => {
  await browser?.close();
});

async function signInWithPassword(p: Page, username: string, password: string, lands: RegExp): Promise<void> {
  await p.goto(`${app.url}/login`);
  await p.fill('input[name="username"]', username);
  await p.fill('input[name="password"]', password);
  await Promise.all([p.waitForURL(lands), p.click('button[type="submit"]')]);
}

async function signOut(p: Page): Promise<void> {
  await Promise.all([p.waitForURL(/\/login$/), p.click('text=Sign out')]);
}

// The code the app would show next: the code just used at enrolment is refused a second time
// (replay protection), and the verifier accepts one step ahead, so this works at any moment.
function nextCode(secret: string): string {
  return new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: Date.now() + 30_000 });
}

let secret = '';
let recovery: string[] = [];

describe('accounts in the browser', () => {
  it('a generated first-admin password must be changed before anything else, with the current one', async () => {
    await createUser(app.sb.deps.db, {
      username: 'firstadmin',
      password: 'generated-pass-123',
      role: 'admin',
      mustChangePassword: true,
    });
    const context = await browser.newContext();
    const p = await context.newPage();
    await signInWithPassword(p, 'firstadmin', 'generated-pass-123', /\/account\/password$/);
    await p.goto(`${app.url}/trunks`);
    expect(new URL(p.url()).pathname).toBe('/account/password');
    expect(await p.locator('[data-gate="password"]').isVisible()).toBe(true);
    await p.fill('input[name="current_password"]', 'not-the-current-one');
    await p.fill('input[name="new_password"]', 'my-own-passphrase-9');
    await p.fill('input[name="confirm_password"]', 'my-own-passphrase-9');
    await p.click('text=Change password');
    expect(await p.locator('.field-error').first().textContent()).toContain('wrong password');
    await p.fill('input[name="current_password"]', 'generated-pass-123');
    await p.fill('input[name="new_password"]', 'my-own-passphrase-9');
    await p.fill('input[name="confirm_password"]', 'my-own-passphrase-9');
    await Promise.all([p.waitForURL(/\/account\?done=password$/), p.click('text=Change password')]);
    await p.goto(`${app.url}/trunks`);
    expect(new URL(p.url()).pathname).toBe('/trunks');
    await context.close();
    const row = await app.sb.deps.db('users').where({ username: 'firstadmin' }).first();
    expect(row.must_change_password).toBe(0);
  });

  it('when admins must use a second factor, an admin is sent to enrol first and enrols with the secret shown', async () => {
    await signInWithPassword(page, 'admin', 'admin-password-1', /\/extensions$/);
    await page.goto(`${app.url}/users`);
    await page.check('input[name="mfa_required_roles"][value="admin"]');
    // Saving the policy sends this very admin to enrol: the redirect to /users is held back.
    await Promise.all([page.waitForURL(/\/account\/mfa$/), page.click('text=Save policy')]);
    expect(await page.locator('[data-gate="mfa"]').isVisible()).toBe(true);
    expect((await page.request.get(`${app.url}/api/v1/extensions`)).status()).toBe(403);
    await Promise.all([page.waitForSelector('[data-totp-secret]'), page.click('text=Set up')]);
    secret = (await page.locator('[data-totp-secret]').textContent())?.trim() ?? '';
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(await page.locator('img[alt="QR code of the secret"]').getAttribute('src')).toMatch(
      /^data:image\/png;base64,/,
    );
    await page.screenshot({ path: join(SHOTS, 'account-mfa.png'), fullPage: true });
    const code = new TOTP({ secret: Secret.fromBase32(secret) }).generate();
    await page.fill('input[name="code"]', code === '000000' ? '000001' : '000000');
    await page.click('text=Confirm');
    expect(await page.locator('[role="alert"]').last().textContent()).toContain('That code is not right');
    await page.fill('input[name="code"]', code);
    await Promise.all([page.waitForSelector('[data-recovery-codes]'), page.click('text=Confirm')]);
    recovery = (await page.locator('[data-recovery-codes] li').allTextContents()).map((c) => c.trim());
    expect(recovery).toHaveLength(10);
    expect(new Set(recovery).size).toBe(10);
    // The audit row says a factor was enrolled; it keeps neither the code nor the recovery codes.
    const enrolled = await app.sb.deps
      .db('audit_log')
      .where({ summary: 'Enrol a second factor (TOTP)' })
      .first();
    expect(enrolled.after).toEqual({ second_factor: 'enrolled' });
    expect(JSON.stringify(enrolled)).not.toContain(code);
    await page.goto(`${app.url}/extensions`);
    expect(new URL(page.url()).pathname).toBe('/extensions');
    // MariaDB holds it sealed, not as the base32 an authenticator app takes.
    const stored = await app.sb.deps.db('users').where({ username: 'admin' }).first();
    expect(stored.totp_secret).toMatch(/^v1:/);
    expect(stored.totp_secret).not.toContain(secret);
    // Neither the API nor the page shows the secret again.
    expect(JSON.stringify((await app.api('GET', '/api/v1/users')).body)).not.toContain(secret);
    await page.goto(`${app.url}/account/mfa`);
    expect(await page.content()).not.toContain(secret);
  });

  it('signs in with the password and then a code; the half-signed-in session reaches nothing and a wrong code is refused', async () => {
    await signOut(page);
    await signInWithPassword(page, 'admin', 'admin-password-1', /\/login\/code$/);
    expect((await page.request.get(`${app.url}/api/v1/extensions`)).status()).toBe(401);
    const wrong = String((Number(nextCode(secret)) + 1) % 1_000_000).padStart(6, '0');
    await page.fill('input[name="code"]', wrong);
    await page.click('text=Verify');
    expect(await page.locator('[role="alert"]').textContent()).toContain('Wrong code.');
    expect(new URL(page.url()).pathname).toBe('/login/code');
    await page.screenshot({ path: join(SHOTS, 'login-code.png'), fullPage: true });
    await page.fill('input[name="code"]', nextCode(secret));
    await Promise.all([page.waitForURL(/\/extensions$/), page.click('text=Verify')]);
    expect((await page.request.get(`${app.url}/api/v1/extensions`)).status()).toBe(200);
  });

  it('a recovery code signs in once, and only once', async () => {
    const useRecovery = async (code: string) => {
      await signInWithPassword(page, 'admin', 'admin-password-1', /\/login\/code$/);
      await page.fill('input[name="code"]', code);
      await page.click('text=Verify');
    };
    await signOut(page);
    await useRecovery(recovery[0] ?? '');
    await page.waitForURL(/\/extensions$/);
    await signOut(page);
    await useRecovery(recovery[0] ?? '');
    expect(await page.locator('[role="alert"]').textContent()).toContain('Wrong code.');
    await page.fill('input[name="code"]', (recovery[1] ?? '').toUpperCase());
    await Promise.all([page.waitForURL(/\/extensions$/), page.click('text=Verify')]);
    await page.goto(`${app.url}/account`);
    expect(await page.textContent('main')).toContain('8 recovery codes left');
  });

  it('makes an own read-only token on the account page that reads and gets 403 on writes', async () => {
    await page.goto(`${app.url}/account`);
    await page.fill('input[name="name"]', 'dashboard');
    await page.selectOption('select[name="scope"]', 'read');
    await page.selectOption('select[name="expires_in_days"]', '30');
    await page.click('text=Create token');
    const token = (await page.locator('[data-token]').textContent())?.trim() ?? '';
    expect((await app.api('GET', '/api/v1/me', { token })).body.username).toBe('admin');
    const write = await app.api('POST', '/api/v1/extensions', {
      token,
      body: { number: '6201', display_name: 'X' },
    });
    expect(write.status).toBe(403);
    expect(await page.locator('tr[data-token-row="dashboard"]').textContent()).toContain('read-only');
    await page.screenshot({ path: join(SHOTS, 'account.png'), fullPage: true });
  });

  it('shows the audit log of all this to an admin, filtered by action', async () => {
    await page.goto(`${app.url}/audit?action=sign-in`);
    const rows = page.locator('table.list tbody tr');
    expect(await rows.count()).toBeGreaterThan(2);
    expect(await page.textContent('main')).toContain('failed: code');
    await page.screenshot({ path: join(SHOTS, 'audit.png'), fullPage: true });
  });
});
