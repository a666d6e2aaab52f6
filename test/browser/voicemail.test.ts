import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { mailboxDir } from '../../src/voicemail/spool';
import { startTestApp, type TestApp } from '../support/app';
import { asteriskCli, waitFor } from '../support/asterisk';
import { openBrowser, SHOTS } from '../support/browser';
import { requireAsterisk, testEnv } from '../support/env';
import { startSmtp, type TestSmtp } from '../support/smtp';
import { leaveMessage, spokenUlaw } from '../support/voicemail-caller';

// Voicemail in Chromium against a real Switchboard and Asterisk: Bob (1002) leaves Alice (1001)
// a real message; Alice, a `user` linked to 1001, sees and hears it in her browser, with its
// transcription, and marks it heard. Then the admin's pages: the boxes, and the email settings
// with a test email received by a real SMTP server. Screenshots for the admin guide.

jest.setTimeout(180_000);

let app: TestApp;
let smtp: TestSmtp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const secrets: Record<string, string> = {};

function shot(name: string): Promise<Buffer> {
  return page.screenshot({ path: join(SHOTS, name), fullPage: true });
}

async function signIn(username: string, password: string): Promise<void> {
  await page.goto(`${app.url}/login`);
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', password);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith('/login')),
    page.click('button[type="submit"]'),
  ]);
}

beforeAll(async () => {
  requireAsterisk();
  rmSync(mailboxDir(testEnv.asteriskSpoolDir, '1001'), { recursive: true, force: true });
  smtp = await startSmtp();
  app = await startTestApp();
  ({ browser, context, page } = await openBrowser());
  page.on('dialog', (dialog) => void dialog.accept());
  for (const [number, name] of [
    ['1001', 'Alice'],
    ['1002', 'Bob'],
  ] as const) {
    const res = await app.api('POST', '/api/v1/extensions', { body: { number, display_name: name } });
    if (res.status !== 201) throw new Error(`extension ${number}: ${res.status} ${res.text}`);
    secrets[number] = res.body.sip_secret;
  }
  const box = await app.api('POST', '/api/v1/voicemail-boxes', {
    body: { number: '1001', transcribe: true },
  });
  if (box.status !== 201) throw new Error(`box: ${box.status} ${box.text}`);
  await app.applyNow();
  await waitFor('Asterisk to know mailbox 1001', async () =>
    (await asteriskCli('voicemail show users for switchboard')).includes('1001'),
  );
});

afterAll(async () => {
  if (app) {
    for (const n of ['1001', '1002'])
      await app.api('DELETE', `/api/v1/extensions/${n}`).catch(() => undefined);
    await app.applyNow().catch(() => undefined);
  }
  await context?.close();
  await browser?.close();
  await app?.close();
  await smtp?.close();
});

describe('visual voicemail in the browser', () => {
  it("Alice sees Bob's real message with its transcription, plays it, and marks it heard", async () => {
    const said = spokenUlaw('hello alice this is bob please call me back tomorrow morning', {
      padSeconds: 1,
    });
    const call = await leaveMessage({
      from: { number: '1002', secret: secrets['1002']! },
      to: '1001',
      speech: said.ulaw,
    });
    expect(call.code).toBe(0);

    await signIn('alice', 'alice-password-1');
    await page.click('nav a:has-text("Voicemail")');
    const row = page.locator('[data-messages="new"] tr[data-msg-id]');
    await waitFor(
      'the message and its transcription on the page',
      async () => {
        await page.reload();
        return (await row.count()) === 1 && (await row.locator('[data-transcription="done"]').count()) === 1;
      },
      90_000,
    );
    await expect(row.locator('td').nth(1).textContent()).resolves.toContain('1002');
    // The player's source is the message's audio, served to Alice's session.
    const src = await row.locator('audio').getAttribute('src');
    const audio = await page.request.get(`${app.url}${src}`);
    expect(audio.status()).toBe(200);
    expect(audio.headers()['content-type']).toBe('audio/wav');
    await shot('voicemail.png');

    await Promise.all([page.waitForLoadState(), row.locator('[data-action="heard"]').click()]);
    await page.waitForSelector('[data-messages="old"] tr[data-msg-id]');
    await expect(page.locator('[data-count-new]').textContent()).resolves.toBe('0');
    await expect(page.locator('[data-count-old]').textContent()).resolves.toBe('1');
  });

  it('the admin sees the boxes and sends a test email that a real SMTP server receives', async () => {
    await page.click('form.logout button');
    await signIn('admin', 'admin-password-1');
    await page.goto(`${app.url}/voicemail-boxes`);
    await expect(page.locator('[data-voicemail-boxes] tr[data-box="1001"]').count()).resolves.toBe(1);
    await shot('voicemail-boxes.png');

    await page.goto(`${app.url}/settings/email`);
    await page.fill('[data-smtp-form] input[name="host"]', '127.0.0.1');
    await page.fill('[data-smtp-form] input[name="port"]', String(smtp.port));
    await page.selectOption('[data-smtp-form] select[name="tls_mode"]', 'none');
    await page.fill('[data-smtp-form] input[name="from_address"]', 'voicemail@example.test');
    await Promise.all([page.waitForLoadState(), page.click('[data-smtp-form] button[type="submit"]')]);
    await page.fill('[data-test-email] input[name="to"]', 'it@example.test');
    await Promise.all([page.waitForLoadState(), page.click('[data-test-email] button[type="submit"]')]);
    const [mail] = await smtp.waitFor(1, 15_000);
    expect(smtp.recipients[0]).toEqual(['it@example.test']);
    expect(mail?.from?.text).toContain('voicemail@example.test');
    await shot('email-settings.png');
  });
});
