import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

// Screenshots taken by the browser tests are the admin guide's pictures.
export const SHOTS = join(__dirname, '..', '..', 'docs', 'admin-guide', 'screenshots');

// Debian's chromium, headless, with nothing that reaches for the network.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

export async function openBrowser(): Promise<{ browser: Browser; context: BrowserContext; page: Page }> {
  mkdirSync(SHOTS, { recursive: true });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  return { browser, context, page: await context.newPage() };
}
