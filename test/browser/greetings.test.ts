import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { openBrowser, SHOTS } from '../support/browser';
import { requireAsterisk } from '../support/env';

// The greetings pages in a real Chromium: create a greeting by text-to-speech, add an uploaded
// mp3 as a second language through the multipart form, listen to it in the page's <audio>
// player, be refused a file that is not audio, delete. Screenshots for the admin guide.

jest.setTimeout(120_000);

let app: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let scratch: string;

async function submit(path: string, button: string): Promise<number> {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url() === `${app.url}${path}` && r.request().method() === 'POST'),
    page.click(`button:has-text("${button}")`),
  ]);
  await page.waitForLoadState();
  return response.status();
}

async function greetingNames(): Promise<string[]> {
  return (await app.api('GET', '/api/v1/greetings')).body.items.map((g: { name: string }) => g.name);
}

beforeAll(async () => {
  requireAsterisk();
  app = await startTestApp();
  scratch = mkdtempSync(join(tmpdir(), 'sb-greetings-ui-'));
  ({ browser, context, page } = await openBrowser());
  page.on('dialog', (dialog) => void dialog.accept());
});

afterAll(async () => {
  if (app) {
    for (const g of (await app.api('GET', '/api/v1/greetings').catch(() => null))?.body.items ?? []) {
      await app.api('DELETE', `/api/v1/greetings/${g.id}`).catch(() => undefined);
    }
  }
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  await context?.close();
  await browser?.close();
  await app?.close();
});

describe('admin UI: greetings', () => {
  let detailPath: string;

  it('creates a greeting from typed text and lands on its page with a player', async () => {
    await page.goto(`${app.url}/login`);
    await page.fill('input[name="username"]', 'admin');
    await page.fill('input[name="password"]', 'admin-password-1');
    await Promise.all([page.waitForURL(/\/extensions/), page.click('button[type="submit"]')]);
    await page.click('nav a:has-text("Greetings")');
    await page.waitForURL(/\/greetings$/);

    await page.fill('#new input[name="name"]', 'Welcome');
    await page.fill('#new input[name="description"]', 'Main number, office hours');
    await page.fill(
      '#new textarea[name="tts_text"]',
      'Welcome to Example. For sales, press 1. For support, press 2.',
    );
    expect(await submit('/greetings', 'Create greeting')).toBe(303);
    await page.waitForURL(/\/greetings\/[0-9]+$/);
    detailPath = new URL(page.url()).pathname;
    await page.locator('tr[data-language="en"]').waitFor();
    const src = await page.locator('tr[data-language="en"] audio').getAttribute('src');
    // The player's source streams real wav through the signed-in session.
    const audio = await page.evaluate(async (url) => {
      const res = await fetch(url as string);
      const bytes = new Uint8Array(await res.arrayBuffer());
      return {
        status: res.status,
        type: res.headers.get('content-type'),
        magic: String.fromCharCode(...bytes.slice(0, 4)),
      };
    }, src);
    expect(audio).toEqual({ status: 200, type: 'audio/wav', magic: 'RIFF' });
  });

  it('adds an uploaded mp3 as French through the multipart form', async () => {
    const wav = join(scratch, 'fr.wav');
    const mp3 = join(scratch, 'bienvenue.mp3');
    execFileSync('espeak-ng', ['-v', 'fr-fr', '-w', wav, 'Bienvenue. Pour les ventes, tapez 1.']);
    execFileSync('sox', [wav, mp3]);
    await page.fill('#add-language input[name="language"]', 'fr');
    await page.setInputFiles('#add-language input[name="file"]', mp3);
    expect(await submit(`${detailPath}/variants`, 'Save language')).toBe(303);
    await page.locator('tr[data-language="fr"]').waitFor();
    expect(await page.locator('tr[data-language="fr"]').textContent()).toContain('upload');
    await page.screenshot({ path: join(SHOTS, 'greeting-detail.png'), fullPage: true });
  });

  it('refuses a file that is not audio and creates nothing', async () => {
    const fake = join(scratch, 'notes.mp3');
    writeFileSync(fake, 'these are my notes, not a sound\n'.repeat(50));
    await page.goto(`${app.url}/greetings`);
    await page.fill('#new input[name="name"]', 'Not audio');
    await page.setInputFiles('#new input[name="file"]', fake);
    expect(await submit('/greetings', 'Create greeting')).toBe(400);
    expect(await page.locator('[role="alert"]').first().textContent()).toContain('not audio');
    expect(await greetingNames()).toEqual(['Welcome']);
  });

  it('lists greetings with languages and players, then deletes one', async () => {
    await page.goto(`${app.url}/greetings`);
    const row = page.locator('tr[data-greeting-name="Welcome"]');
    expect(await row.locator('audio').count()).toBe(2);
    expect(await row.textContent()).toContain('unused');
    await page.screenshot({ path: join(SHOTS, 'greetings.png'), fullPage: true });

    await page.goto(`${app.url}${detailPath}`);
    expect(await submit(`${detailPath}/delete`, 'Delete greeting')).toBe(303);
    await page.waitForURL(/\/greetings$/);
    expect(await greetingNames()).toEqual([]);
  });
});
