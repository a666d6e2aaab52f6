import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { openBrowser, SHOTS } from '../support/browser';
import { MEDIA_PRIORITY, requireAsterisk, testEnv } from '../support/env';

// The admin UI in a real Chromium against a real Switchboard (fresh MariaDB database) driving the
// real Asterisk sandbox; the phone is sipp with test/support/sipp/register.xml. Screenshots for
// the admin guide are written as a side effect.

const REGISTER_XML = join(__dirname, '..', 'support', 'sipp', 'register.xml');

// A number of its own per run, so a contact left in Asterisk by an earlier run cannot leak in.
const NUMBER = String(2000 + Math.floor(Math.random() * 7000));
const UA_PORT = 16000 + Math.floor(Math.random() * 4000);
// Two more extensions, created through the API, so the list shows more than one row.
const OTHERS = [
  { number: String(Number(NUMBER) + 10), display_name: 'Sales Office', email: 'sales@example.com' },
  { number: String(Number(NUMBER) + 11), display_name: 'Warehouse', caller_id_name: 'Warehouse Dock' },
];

jest.setTimeout(90_000);

let app: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let secret = '';
// The auth username shown beside the secret: random, as a new installation makes them.
let authUsername = '';
let optionsAnswerer: Socket | null = null;
const children = new Set<ChildProcess>();

function shot(name: string): Promise<Buffer> {
  return page.screenshot({ path: join(SHOTS, name), fullPage: true });
}

// One sipp REGISTER (digest auth) from UA_PORT; resolves with sipp's exit code.
function sippRegister(username: string, password: string, expires: number): Promise<number> {
  const authUser = authUsername || username;
  return new Promise((resolve, reject) => {
    const child = spawn(
      MEDIA_PRIORITY[0] ?? 'nice',
      [
        ...MEDIA_PRIORITY.slice(1),
        'sipp',
        `127.0.0.1:${testEnv.sipPort}`,
        '-sf',
        REGISTER_XML,
        '-m',
        '1',
        '-i',
        '127.0.0.1',
        '-p',
        String(UA_PORT),
        '-s',
        username,
        '-au',
        authUser,
        '-ap',
        password,
        '-key',
        'expires',
        String(expires),
        '-timeout',
        '15s',
        '-timeout_error',
        '-max_recv_loops',
        '1',
        '-nostdin',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    children.add(child);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      children.delete(child);
      if (code !== 0 && stderr) process.stderr.write(`sipp: ${stderr}\n`);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

// sipp exits after its 200 OK, but the AOR qualifies its contacts (qualify_frequency = 60): a
// contact nobody answers turns Unreachable and the endpoint offline. So the phone's port keeps
// answering Asterisk's OPTIONS with 200 OK, as a real phone would.
function answerOptions(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.on('message', (msg, peer) => {
      const text = msg.toString('utf8');
      if (!text.startsWith('OPTIONS ')) return;
      const headers = text.split('\r\n');
      const copy = (name: string) =>
        headers.filter((h) => h.toLowerCase().startsWith(`${name.toLowerCase()}:`));
      const reply = [
        'SIP/2.0 200 OK',
        ...copy('Via'),
        ...copy('From'),
        ...copy('To').map((h) => (h.includes(';tag=') ? h : `${h};tag=sb-test-${port}`)),
        ...copy('Call-ID'),
        ...copy('CSeq'),
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      socket.send(reply, peer.port, peer.address);
    });
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => resolve(socket));
  });
}

function closeAnswerer(): Promise<void> {
  const socket = optionsAnswerer;
  optionsAnswerer = null;
  return new Promise((resolve) => (socket ? socket.close(() => resolve()) : resolve()));
}

async function signIn(username: string, password: string): Promise<number | undefined> {
  await page.goto(`${app.url}/login`);
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', password);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().startsWith(`${app.url}/login`) && r.request().method() === 'POST'),
    page.click('button[type="submit"]'),
  ]);
  await page.waitForLoadState();
  return response.status();
}

function row(number: string) {
  return page.locator(`tr[data-number="${number}"]`);
}

// Loads /extensions until every listed number shows the state (or 10 s have passed).
async function loadListUntil(numbers: string[], state: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    await page.goto(`${app.url}/extensions`);
    const states = await Promise.all(numbers.map((n) => row(n).locator('[data-state]').textContent()));
    if (states.every((s) => s === state) || Date.now() > deadline) return;
    await page.waitForTimeout(200);
  }
}

beforeAll(async () => {
  requireAsterisk();
  app = await startTestApp({ SIP_AUTH_USERNAME: 'random' });
  ({ browser, context, page } = await openBrowser());
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await closeAnswerer();
  // Leave no registration and no endpoint behind in the shared sandbox (close() drains the apply).
  if (secret) await sippRegister(NUMBER, secret, 0).catch(() => undefined);
  for (const other of OTHERS)
    await app?.api('DELETE', `/api/v1/extensions/${other.number}`).catch(() => undefined);
  await context?.close();
  await browser?.close();
  await app?.close();
});

describe('admin UI: extensions', () => {
  it('shows the error for a wrong password and stays signed out', async () => {
    await page.goto(`${app.url}/login`);
    await shot('login.png');
    const status = await signIn('admin', 'not-the-password');
    expect(status).toBe(401);
    await expect(page.locator('p.error[role="alert"]').textContent()).resolves.toContain(
      'Wrong username or password.',
    );
    expect(new URL(page.url()).pathname).toBe('/login');
    expect((await context.cookies()).find((c) => c.name === 'sb_session')).toBeUndefined();
    await page.goto(`${app.url}/extensions`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(new URL(page.url()).searchParams.get('next')).toBe('/extensions');
  });

  it('signs in through /login as admin', async () => {
    await signIn('admin', 'admin-password-1');
    expect(new URL(page.url()).pathname).toBe('/extensions');
    await expect(page.locator('.who').textContent()).resolves.toContain('admin · admin');
    expect((await context.cookies()).find((c) => c.name === 'sb_session')?.httpOnly).toBe(true);
  });

  it('creates an extension through the form and shows its secret once', async () => {
    await page.goto(`${app.url}/extensions`);
    await page.click('a:has-text("New extension")');
    expect(new URL(page.url()).pathname).toBe('/extensions/new');
    await page.fill('input[name="number"]', NUMBER);
    await page.fill('input[name="display_name"]', 'Reception Desk');
    await page.fill('input[name="email"]', 'reception@example.com');
    await page.fill('input[name="language"]', 'fr');
    await shot('extension-new.png');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${app.url}/extensions` && r.request().method() === 'POST'),
      page.click('button:has-text("Create extension")'),
    ]);
    expect(response.status()).toBe(201);
    await expect(page.locator('h1').textContent()).resolves.toBe(`Extension ${NUMBER} created`);
    secret = ((await page.locator('[data-secret]').textContent()) ?? '').trim();
    expect(secret).toMatch(/^[A-Za-z0-9]{24}$/);
    authUsername = ((await page.locator('[data-auth-username]').textContent()) ?? '').trim();
    expect(authUsername).toMatch(/^[0-9a-f]{16}$/);
    await shot('extension-created.png');

    // Never shown again: not in the list page, not in the edit page, not in the API read.
    const read = await app.api('GET', `/api/v1/extensions/${NUMBER}`);
    expect(read.status).toBe(200);
    expect(read.text).not.toContain(secret);
    expect(read.body.language).toBe('fr');
    await page.goto(`${app.url}/extensions/${NUMBER}/edit`);
    expect(await page.content()).not.toContain(secret);
  });

  it('lists the new extension with its registration state offline', async () => {
    // The write is applied in the background: the state is 'unknown' until Asterisk has the endpoint.
    await loadListUntil([NUMBER], 'offline');
    await expect(row(NUMBER).locator('td').nth(1).textContent()).resolves.toBe('Reception Desk');
    await expect(row(NUMBER).locator('[data-state]').textContent()).resolves.toBe('offline');
    await expect(page.locator('h1 small').textContent()).resolves.toBe('1');
  });

  it('shows online in the live cell once a SIP phone registers with the shown secret', async () => {
    // The page stays open: only the 3-second poll of app.js can turn the cell online.
    await page.goto(`${app.url}/extensions`);
    await expect(row(NUMBER).locator('[data-state]').textContent()).resolves.toBe('offline');
    await expect(sippRegister(NUMBER, secret, 60)).resolves.toBe(0);
    optionsAnswerer = await answerOptions(UA_PORT);
    await page.waitForFunction(
      (n) => document.querySelector(`tr[data-number="${n}"] [data-state]`)?.textContent === 'online',
      NUMBER,
      { timeout: 15_000, polling: 250 },
    );
    await expect(row(NUMBER).locator('[data-state]').getAttribute('class')).resolves.toBe(
      'state state-online',
    );

    for (const other of OTHERS)
      expect((await app.api('POST', '/api/v1/extensions', { body: other })).status).toBe(201);
    // Rows created after the page loaded appear on the next load, not through the poll.
    await loadListUntil(
      OTHERS.map((o) => o.number),
      'offline',
    );
    await expect(page.locator('table.list tbody tr').count()).resolves.toBe(3);
    await expect(row(OTHERS[1]!.number).locator('td').nth(2).textContent()).resolves.toBe(
      `Warehouse Dock <${OTHERS[1]!.number}>`,
    );
    await expect(row(NUMBER).locator('[data-state]').textContent()).resolves.toBe('online');
    await shot('extensions-list.png');
  });

  it('re-renders the form with a field error for bad input and creates nothing', async () => {
    const bad = String(Number(NUMBER) + 1);
    await page.goto(`${app.url}/extensions/new`);
    await page.fill('input[name="number"]', bad);
    await page.fill('input[name="display_name"]', 'Evil [name]; x');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${app.url}/extensions` && r.request().method() === 'POST'),
      page.click('button:has-text("Create extension")'),
    ]);
    expect(response.status()).toBe(400);
    await expect(page.locator('h1').textContent()).resolves.toBe('New extension');
    await expect(page.locator('p.error[role="alert"]').isVisible()).resolves.toBe(true);
    const fieldError = page.locator('label:has(input[name="display_name"]) .field-error');
    await expect(fieldError.textContent()).resolves.toContain('may contain only letters');
    // The form keeps what was typed.
    await expect(page.locator('input[name="display_name"]').inputValue()).resolves.toBe('Evil [name]; x');
    await expect(page.locator('input[name="number"]').inputValue()).resolves.toBe(bad);

    // A newline cannot be typed into an <input>; post it the way a hand-made request would.
    const csrf = await page.locator('meta[name="csrf-token"]').getAttribute('content');
    const posted = await page.request.post(`${app.url}/extensions`, {
      form: { _csrf: csrf ?? '', number: bad, display_name: 'Evil\n[globals]', codecs: 'ulaw' },
      maxRedirects: 0,
    });
    expect(posted.status()).toBe(400);
    expect(await posted.text()).toContain('class="field-error"');

    expect((await app.api('GET', `/api/v1/extensions/${bad}`)).status).toBe(404);
    const list = await app.api<{ total: number }>('GET', '/api/v1/extensions');
    expect(list.body.total).toBe(1 + OTHERS.length);
  });

  it('edits the extension through the form', async () => {
    await page.goto(`${app.url}/extensions`);
    await row(NUMBER).locator('a:has-text("Edit")').click();
    expect(new URL(page.url()).pathname).toBe(`/extensions/${NUMBER}/edit`);
    await expect(page.locator('.registration .state').textContent()).resolves.toBe('online');
    await page.fill('input[name="display_name"]', 'Front Desk');
    await page.fill('input[name="caller_id_number"]', '+15551230000');
    await shot('extension-edit.png');
    await page.click('button:has-text("Save changes")');
    await page.waitForURL(`${app.url}/extensions`);
    await expect(row(NUMBER).locator('td').nth(1).textContent()).resolves.toBe('Front Desk');
    await expect(row(NUMBER).locator('td').nth(2).textContent()).resolves.toBe('Front Desk <+15551230000>');
    const read = await app.api('GET', `/api/v1/extensions/${NUMBER}`);
    expect(read.body).toMatchObject({ display_name: 'Front Desk', caller_id_number: '+15551230000' });
    // The secret was left empty, so the phone's credentials still work.
    await closeAnswerer();
    await expect(sippRegister(NUMBER, secret, 60)).resolves.toBe(0);
    optionsAnswerer = await answerOptions(UA_PORT);
  });

  it('shows row errors on a CSV import dry run and imports nothing', async () => {
    await page.goto(`${app.url}/extensions`);
    await page.click('a:has-text("Import CSV")');
    expect(new URL(page.url()).pathname).toBe('/extensions/import');
    const csv = [
      'number,display_name,email,codecs',
      '3001,Sales One,sales1@example.com,ulaw|alaw',
      '3002,Sales; Two,sales2@example.com,ulaw',
      `${NUMBER},Duplicate Desk,,ulaw`,
      '0123,Leading Zero,,opus',
    ].join('\n');
    await page.fill('textarea[name="csv"]', csv);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/extensions/import') && r.request().method() === 'POST'),
      page.click('button:has-text("Dry run")'),
    ]);
    expect(response.status()).toBe(400);
    await expect(page.locator('p.error[role="alert"]').textContent()).resolves.toBe(
      '3 row(s) have errors; nothing was imported',
    );
    const problems = await page.locator('table.list tbody tr').allTextContents();
    expect(problems.some((p) => p.includes('row 3: display_name'))).toBe(true);
    expect(problems.some((p) => p.includes('row 4: number') && p.includes('already exists'))).toBe(true);
    expect(problems.some((p) => p.includes('row 5: number'))).toBe(true);
    expect(problems.some((p) => p.includes('row 5: codecs.0'))).toBe(true);
    // The pasted CSV stays in the box for correcting.
    await expect(page.locator('textarea[name="csv"]').inputValue()).resolves.toBe(csv);
    await shot('import.png');
    expect((await app.api('GET', '/api/v1/extensions/3001')).status).toBe(404);
  });

  it('deletes the extension through the form after confirming', async () => {
    // Unregister first so the sandbox Asterisk keeps no contact for a deleted endpoint.
    await closeAnswerer();
    await expect(sippRegister(NUMBER, secret, 0)).resolves.toBe(0);
    await page.goto(`${app.url}/extensions/${NUMBER}/edit`);
    let confirmText = '';
    page.once('dialog', (dialog) => {
      confirmText = dialog.message();
      void dialog.accept();
    });
    await page.click('button:has-text("Delete extension")');
    await page.waitForURL(`${app.url}/extensions`);
    expect(confirmText).toBe(`Delete extension ${NUMBER}?`);
    await expect(row(NUMBER).count()).resolves.toBe(0);
    await expect(page.locator('h1 small').textContent()).resolves.toBe(String(OTHERS.length));
    expect((await app.api('GET', `/api/v1/extensions/${NUMBER}`)).status).toBe(404);
    secret = '';
  });

  it('shows each apply in the apply history', async () => {
    // Writes are applied asynchronously (coalesced); a forced apply waits for the queue.
    const forced = await app.applyNow();
    expect(forced.status).not.toBe('failed');
    await page.goto(`${app.url}/extensions`);
    await page.click('nav a:has-text("Apply history")');
    expect(new URL(page.url()).pathname).toBe('/apply');
    const rows = page.locator('table.list tbody tr');
    expect(await rows.count()).toBeGreaterThanOrEqual(3);
    const statuses = await page.locator('table.list tbody .status').allTextContents();
    expect(statuses).not.toContain('failed');
    expect(statuses).toContain('succeeded');
    const text = (await page.locator('table.list tbody').textContent()) ?? '';
    expect(text).toContain(`extension ${NUMBER} created`);
    expect(text).toContain(`extension ${NUMBER} updated`);
    expect(text).toContain(`extension ${NUMBER} deleted`);
    await shot('apply-history.png');
  });
});
