import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { noteSecretsIn } from './secret-ledger';

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
  // What a suite types into a form (a password, a PIN, a SIP secret) reaches the ledger as the
  // API helpers' bodies do, so the log scan after the run looks for it too.
  context.on('request', (request) => {
    if (request.method() === 'GET') return;
    const body = request.postData();
    if (!body) return;
    const type = request.headers()['content-type'] ?? '';
    if (type.includes('application/x-www-form-urlencoded'))
      noteSecretsIn(Object.fromEntries(new URLSearchParams(body)));
    else if (type.includes('application/json')) {
      try {
        noteSecretsIn(JSON.parse(body));
      } catch {
        // not JSON after all: nothing to note
      }
    }
  });
  return { browser, context, page: await context.newPage() };
}
