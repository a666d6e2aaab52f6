import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { openBrowser, SHOTS } from '../support/browser';
import { requireAsterisk } from '../support/env';

// The backups page in a real Chromium: "Back up now", its progress until the file is listed, the
// download (the same bytes as the file) and the delete. The screenshot is the admin guide's.

jest.setTimeout(120_000);

const dir = mkdtempSync(join(tmpdir(), 'sb-backups-page-'));
let app: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  requireAsterisk();
  app = await startTestApp({ BACKUP_DIR: dir, BACKUP_SCHEDULE: '30 2 * * *', BACKUP_KEEP: '14' });
  ({ browser, context, page } = await openBrowser());
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('admin UI: backups', () => {
  it('backs up now, shows the file once written, downloads the same bytes, deletes it', async () => {
    await page.goto(`${app.url}/login`);
    await page.fill('input[name="username"]', 'admin');
    await page.fill('input[name="password"]', 'admin-password-1');
    await Promise.all([page.waitForURL(`${app.url}/extensions`), page.click('button[type="submit"]')]);
    await page.click('nav a:has-text("Backups")');
    expect(new URL(page.url()).pathname).toBe('/backups');
    await expect(page.locator('table[data-backups] .empty').textContent()).resolves.toContain(
      'No backups yet',
    );

    await Promise.all([page.waitForURL(`${app.url}/backups`), page.click('button:has-text("Back up now")')]);
    // While it runs the page shows its progress and reloads itself when the job has ended.
    const row = page.locator('tr[data-backup]');
    await row.first().waitFor({ timeout: 60_000 });
    const name = (await row.first().getAttribute('data-backup')) as string;
    const listed = await app.api<{
      items: Array<{ name: string }>;
      jobs: Array<{ status: string; requested_by: string }>;
    }>('GET', '/api/v1/backups');
    expect(listed.body.items.map((i) => i.name)).toEqual([name]);
    expect(listed.body.jobs[0]).toMatchObject({ status: 'succeeded', requested_by: 'admin' });
    await expect(page.locator('p.hint').textContent()).resolves.toContain(
      'Scheduled: 30 2 * * *, the newest 14 kept',
    );
    await page.screenshot({ path: join(SHOTS, 'backups.png'), fullPage: true });

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row.locator('a:has-text("Download")').click(),
    ]);
    const saved = join(dir, 'downloaded.tar.gz');
    await download.saveAs(saved);
    expect(sha(readFileSync(saved))).toBe(sha(readFileSync(join(dir, name))));

    page.once('dialog', (d) => void d.accept());
    await Promise.all([
      page.waitForURL(`${app.url}/backups`),
      row.locator('button:has-text("Delete")').click(),
    ]);
    await expect(page.locator('table[data-backups] .empty').textContent()).resolves.toContain(
      'No backups yet',
    );
    expect((await app.api<{ items: unknown[] }>('GET', '/api/v1/backups')).body.items).toEqual([]);
  });

  it('is for admins only', async () => {
    const other = await context.newPage();
    await context.clearCookies();
    await other.goto(`${app.url}/login`);
    await other.fill('input[name="username"]', 'super');
    await other.fill('input[name="password"]', 'super-password-1');
    await Promise.all([other.waitForLoadState(), other.click('button[type="submit"]')]);
    const res = await other.goto(`${app.url}/backups`);
    expect(res?.status()).toBe(403);
    await other.close();
  });
});
