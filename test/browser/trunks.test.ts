import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { openBrowser, SHOTS } from '../support/browser';
import { requireAsterisk } from '../support/env';

// The trunks and routes pages in a real Chromium against a real Switchboard (fresh MariaDB
// database) driving the real Asterisk sandbox: live trunk status comes from Asterisk (ARI and the
// CLI, ASTERISK_CLI). Nobody listens at 127.0.0.9, so the registration never succeeds and the IP
// trunk's qualify never gets an answer. Screenshots for the admin guide are a side effect.

// An extension of its own per run, so an inbound route has somewhere to go.
const EXTENSION = String(2000 + Math.floor(Math.random() * 7000));

jest.setTimeout(120_000);

let app: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;

function shot(name: string): Promise<Buffer> {
  return page.screenshot({ path: join(SHOTS, name), fullPage: true });
}

function trunkRow(name: string) {
  return page.locator(`tr[data-trunk-name="${name}"]`);
}

async function submit(path: string, button: string): Promise<number> {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url() === `${app.url}${path}` && r.request().method() === 'POST'),
    page.click(`button:has-text("${button}")`),
  ]);
  await page.waitForLoadState();
  return response.status();
}

async function trunkCount(): Promise<number> {
  return (await app.api<{ items: unknown[] }>('GET', '/api/v1/trunks')).body.items.length;
}

async function outboundCount(): Promise<number> {
  return (await app.api<{ items: unknown[] }>('GET', '/api/v1/outbound-routes')).body.items.length;
}

beforeAll(async () => {
  requireAsterisk();
  app = await startTestApp();
  ({ browser, context, page } = await openBrowser());
});

afterAll(async () => {
  // Leave no trunk registering and no endpoint behind in the shared sandbox.
  if (app) {
    const items = async (path: string) =>
      (
        (await app.api<{ items: Array<{ id: number }> }>('GET', path).catch(() => null))?.body.items ?? []
      ).map((i) => i.id);
    for (const id of await items('/api/v1/outbound-routes'))
      await app.api('DELETE', `/api/v1/outbound-routes/${id}`).catch(() => undefined);
    for (const id of await items('/api/v1/inbound-routes'))
      await app.api('DELETE', `/api/v1/inbound-routes/${id}`).catch(() => undefined);
    for (const id of await items('/api/v1/blocked-callers'))
      await app.api('DELETE', `/api/v1/blocked-callers/${id}`).catch(() => undefined);
    for (const id of await items('/api/v1/trunks'))
      await app.api('DELETE', `/api/v1/trunks/${id}`).catch(() => undefined);
    await app.api('DELETE', `/api/v1/extensions/${EXTENSION}`).catch(() => undefined);
    await app.applyNow().catch(() => undefined);
  }
  await context?.close();
  await browser?.close();
  await app?.close();
});

describe('admin UI: trunks and routes', () => {
  it('signs in as admin and finds Trunks and Routes in the navigation', async () => {
    await page.goto(`${app.url}/login`);
    await page.fill('input[name="username"]', 'admin');
    await page.fill('input[name="password"]', 'admin-password-1');
    await Promise.all([page.waitForURL(`${app.url}/extensions`), page.click('button[type="submit"]')]);
    await page.click('nav a:has-text("Trunks")');
    expect(new URL(page.url()).pathname).toBe('/trunks');
    await expect(page.locator('h1').first().textContent()).resolves.toContain('Trunks');
    await expect(page.locator('table[data-live-trunks] .empty').textContent()).resolves.toBe(
      'No trunks yet.',
    );
  });

  it('creates an IP trunk through the form and lists it with its live status', async () => {
    await page.click('a:has-text("New trunk")');
    expect(new URL(page.url()).pathname).toBe('/trunks/new');
    await page.fill('input[name="name"]', 'carrier-ip');
    await page.selectOption('select[name="kind"]', 'ip');
    await page.fill('input[name="host"]', '127.0.0.9');
    await page.fill('textarea[name="peer_addresses"]', '127.0.0.9');
    await page.check('input[name="qualify"]');
    await page.fill('input[name="max_channels"]', '30');
    expect(await submit('/trunks', 'Create trunk')).toBe(303);
    expect(new URL(page.url()).pathname).toBe('/trunks');

    const row = trunkRow('carrier-ip');
    await expect(row.locator('td').nth(1).textContent()).resolves.toBe('IP');
    await expect(row.locator('td').nth(2).textContent()).resolves.toContain('127.0.0.9:5060');
    await expect(row.locator('[data-registration]').textContent()).resolves.toBe('not applicable');
    // Once Asterisk has the endpoint its qualify decides; nobody answers at 127.0.0.9.
    await app.applyNow();
    await page.reload();
    const reachability = ((await row.locator('[data-reachability]').textContent()) ?? '').trim();
    expect(reachability).toMatch(/^(unreachable|unknown)$/);
    const read = await app.api<{
      items: Array<{ name: string; qualify: boolean; peer_addresses: string[] }>;
    }>('GET', '/api/v1/trunks');
    expect(read.body.items.find((t) => t.name === 'carrier-ip')).toMatchObject({
      qualify: true,
      peer_addresses: ['127.0.0.9'],
    });
  });

  it('creates a registration trunk and the live cell shows that it is not registered', async () => {
    await page.goto(`${app.url}/trunks/new`);
    await page.fill('input[name="name"]', 'carrier-reg');
    await page.selectOption('select[name="kind"]', 'registration');
    await page.fill('input[name="host"]', '127.0.0.9');
    await page.fill('input[name="username"]', 'sb-test');
    await page.fill('input[name="password"]', 'test-pass-1');
    await page.fill('input[name="from_user"]', 'sb-test');
    await page.fill('input[name="registration_expiry"]', '120');
    await page.fill('input[name="retry_interval"]', '10');
    await shot('trunk-new.png');
    expect(await submit('/trunks', 'Create trunk')).toBe(303);
    expect(new URL(page.url()).pathname).toBe('/trunks');
    expect(await page.content()).not.toContain('test-pass-1');

    // The page stays open: the 3-second poll of app.js turns the cell into what Asterisk reports.
    await page.waitForFunction(
      () =>
        /^(unregistered|rejected)$/.test(
          document.querySelector('tr[data-trunk-name="carrier-reg"] [data-registration]')?.textContent ?? '',
        ),
      undefined,
      { timeout: 30_000, polling: 250 },
    );
    const cell = trunkRow('carrier-reg').locator('[data-registration]');
    await expect(cell.getAttribute('class')).resolves.toMatch(/^state state-(unregistered|rejected)$/);
    // The reason is both the tooltip and the small text under the state.
    const reason = (await trunkRow('carrier-reg').locator('[data-reason]').textContent()) ?? '';
    expect(reason.length).toBeGreaterThan(0);
    await expect(cell.getAttribute('title')).resolves.toBe(reason);
    await shot('trunks-list.png');
  });

  it('refuses a hostile host with a field error and creates nothing', async () => {
    const before = await trunkCount();
    await page.goto(`${app.url}/trunks/new`);
    await page.fill('input[name="name"]', 'evil');
    await page.selectOption('select[name="kind"]', 'ip');
    await page.fill('input[name="host"]', 'evil;host');
    await page.fill('textarea[name="peer_addresses"]', '127.0.0.9, 10.0.0.0/33');
    expect(await submit('/trunks', 'Create trunk')).toBe(400);
    await expect(page.locator('h1').textContent()).resolves.toBe('New trunk');
    await expect(page.locator('p.error[role="alert"]').isVisible()).resolves.toBe(true);
    await expect(page.locator('label:has(input[name="host"]) .field-error').textContent()).resolves.toContain(
      'must be a hostname',
    );
    await expect(
      page.locator('label:has(textarea[name="peer_addresses"]) .field-error').textContent(),
    ).resolves.toContain('10.0.0.0/33');
    // What was typed stays in the form.
    await expect(page.locator('input[name="host"]').inputValue()).resolves.toBe('evil;host');
    expect(await trunkCount()).toBe(before);
  });

  it('creates an outbound route that uses the trunks in order', async () => {
    await page.goto(`${app.url}/routes`);
    await page.click('a:has-text("New outbound route")');
    expect(new URL(page.url()).pathname).toBe('/routes/outbound/new');
    await page.fill('input[name="name"]', 'International');
    await page.fill('textarea[name="patterns"]', '_00.\n_+X.');
    await page.selectOption('select[name="class"]', 'international');
    await page.selectOption('select[data-step="1"]', { label: 'carrier-ip (ip)' });
    await page.selectOption('select[data-step="2"]', { label: 'carrier-reg (registration)' });
    await page.fill('input[name="strip"]', '2');
    await page.fill('input[name="prepend"]', '+');
    expect(await submit('/routes/outbound', 'Create route')).toBe(303);
    expect(new URL(page.url()).pathname).toBe('/routes');
    const row = page.locator('tr[data-route-name="International"]');
    await expect(row.locator('td').nth(2).textContent()).resolves.toContain('_00.');
    await expect(row.locator('td').nth(5).textContent()).resolves.toBe('carrier-ip → carrier-reg');

    // A national route after it, and an inbound route and a blocked caller, for the overview.
    await page.click('a:has-text("New outbound route")');
    await page.fill('input[name="name"]', 'National');
    await page.fill('textarea[name="patterns"]', '_0Z.');
    await page.selectOption('select[name="class"]', 'national');
    await page.selectOption('select[data-step="1"]', { label: 'carrier-reg (registration)' });
    await page.fill('input[name="caller_id_number"]', '+3225550100');
    expect(await submit('/routes/outbound', 'Create route')).toBe(303);
    const orders = await page
      .locator('table[data-outbound-routes] tbody tr td:nth-child(2)')
      .allTextContents();
    expect(orders).toEqual(['International', 'National']);

    expect(
      (
        await app.api('POST', '/api/v1/extensions', {
          body: { number: EXTENSION, display_name: 'Reception' },
        })
      ).status,
    ).toBe(201);
    await page.click('a:has-text("New inbound route")');
    await page.fill('input[name="name"]', 'Main number');
    await page.fill('input[name="did"]', '3225550100');
    await page.selectOption('select[name="destination"]', `extension:${EXTENSION}`);
    await page.fill('input[name="caller_id_name_prefix"]', 'Main:');
    expect(await submit('/routes/inbound', 'Create route')).toBe(303);
    await expect(page.locator('tr[data-route-name="Main number"] td').nth(4).textContent()).resolves.toBe(
      `extension ${EXTENSION}`,
    );

    await page.fill('form[data-block-form] input[name="pattern"]', 'anonymous');
    expect(await submit('/routes/blocked', 'Block')).toBe(303);
    await page.fill('form[data-block-form] input[name="pattern"]', '_0900.');
    await page.selectOption('form[data-block-form] select[name="action"]', 'busy');
    expect(await submit('/routes/blocked', 'Block')).toBe(303);
    const blocked = await page.locator('table[data-blocked-callers] tbody tr').allTextContents();
    expect(blocked.some((b) => b.includes('anonymous'))).toBe(true);
    expect(blocked.some((b) => b.includes('_0900.') && b.includes('play busy'))).toBe(true);
    await shot('routes.png');
    // Asterisk took every write (the forced apply finds them applied already, or applies them).
    await app.applied();
  });

  it('refuses a bad dial pattern with a field error and creates nothing', async () => {
    const before = await outboundCount();
    await page.goto(`${app.url}/routes/outbound/new`);
    await page.fill('input[name="name"]', 'Broken');
    await page.fill('textarea[name="patterns"]', '_00[');
    await page.selectOption('select[data-step="1"]', { label: 'carrier-ip (ip)' });
    expect(await submit('/routes/outbound', 'Create route')).toBe(400);
    await expect(page.locator('h1').textContent()).resolves.toBe('New outbound route');
    const error = page.locator('label:has(textarea[name="patterns"]) .field-error');
    await expect(error.textContent()).resolves.toContain('_00[');
    await expect(error.textContent()).resolves.toContain('dial pattern');
    await expect(page.locator('textarea[name="patterns"]').inputValue()).resolves.toBe('_00[');
    // The chosen trunk is still chosen.
    await expect(page.locator('select[data-step="1"] option:checked').textContent()).resolves.toBe(
      'carrier-ip (ip)',
    );
    expect(await outboundCount()).toBe(before);

    // A blocked caller that is neither a pattern nor "anonymous" is refused on the overview.
    await page.goto(`${app.url}/routes`);
    await page.fill('form[data-block-form] input[name="pattern"]', 'x;y');
    expect(await submit('/routes/blocked', 'Block')).toBe(400);
    await expect(page.locator('form[data-block-form] .field-error').count()).resolves.toBeGreaterThan(0);
    await expect(page.locator('table[data-blocked-callers] tbody tr').count()).resolves.toBe(2);
  });

  it('refuses to delete a trunk that a route uses, naming the route', async () => {
    await page.goto(`${app.url}/trunks`);
    await trunkRow('carrier-ip').locator('a:has-text("Edit")').click();
    expect(new URL(page.url()).pathname).toMatch(/^\/trunks\/[0-9]+\/edit$/);
    const path = new URL(page.url()).pathname.replace(/\/edit$/, '/delete');
    let confirmText = '';
    page.once('dialog', (dialog) => {
      confirmText = dialog.message();
      void dialog.accept();
    });
    expect(await submit(path, 'Delete trunk')).toBe(409);
    expect(confirmText).toBe('Delete trunk carrier-ip?');
    const box = page.locator('[data-delete-error]');
    await expect(box.textContent()).resolves.toContain(
      'trunk carrier-ip is used by outbound route(s): International',
    );
    await expect(box.locator('li').allTextContents()).resolves.toEqual(['International']);
    expect(await trunkCount()).toBe(2);
  });

  it('edits a registration trunk without retyping its password', async () => {
    await page.goto(`${app.url}/trunks`);
    await trunkRow('carrier-reg').locator('a:has-text("Edit")').click();
    await expect(page.locator('input[name="password"]').inputValue()).resolves.toBe('');
    expect(await page.content()).not.toContain('test-pass-1');
    await page.fill('input[name="retry_interval"]', '20');
    const path = new URL(page.url()).pathname.replace(/\/edit$/, '');
    expect(await submit(path, 'Save changes')).toBe(303);
    const read = await app.api<{
      items: Array<{ name: string; retry_interval: number; has_password: boolean }>;
    }>('GET', '/api/v1/trunks');
    expect(read.body.items.find((t) => t.name === 'carrier-reg')).toMatchObject({
      retry_interval: 20,
      has_password: true,
    });
  });

  it('lets a supervisor read both pages but change nothing', async () => {
    const other = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const sup = await other.newPage();
      await sup.goto(`${app.url}/login`);
      await sup.fill('input[name="username"]', 'super');
      await sup.fill('input[name="password"]', 'super-password-1');
      await Promise.all([sup.waitForURL(`${app.url}/extensions`), sup.click('button[type="submit"]')]);
      await sup.goto(`${app.url}/trunks`);
      await expect(sup.locator('table[data-live-trunks] tbody tr').count()).resolves.toBe(2);
      await expect(sup.locator('a:has-text("New trunk")').count()).resolves.toBe(0);
      await expect(sup.locator('table[data-live-trunks] a:has-text("Edit")').count()).resolves.toBe(0);
      await sup.goto(`${app.url}/routes`);
      await expect(sup.locator('tr[data-route-name="International"]').count()).resolves.toBe(1);
      await expect(sup.locator('form[data-block-form]').count()).resolves.toBe(0);
      const refused = await sup.goto(`${app.url}/trunks/new`);
      expect(refused?.status()).toBe(403);
    } finally {
      await other.close();
    }
  });
});
