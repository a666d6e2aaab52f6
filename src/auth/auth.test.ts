import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { useTestApp } from '../../test/support/app';
import { postLogin } from '../../test/support/web';

const run = promisify(execFile);

const app = useTestApp();

const login = (username: string, password: string, ip = '127.0.0.1') =>
  postLogin(app, username, password, { 'x-forwarded-for': ip });

async function session(username: string, password: string) {
  const res = await login(username, password);
  expect(res.status).toBe(303);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  expect(res.headers.get('set-cookie')).toMatch(/HttpOnly/i);
  const page = await (await fetch(`${app.url}/extensions`, { headers: { cookie } })).text();
  const csrf = /name="csrf-token" content="([^"]+)"/.exec(page)?.[1];
  return { cookie, csrf: csrf! };
}

describe('request bodies before and after authentication', () => {
  const form = (size: number) => `username=x&password=${'a'.repeat(size)}`;
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${app.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body,
      redirect: 'manual',
    });

  it('an anonymous request may send a sign-in form, not a large body (413); a signed-in one may', async () => {
    expect((await post('/login', form(100_000))).status).toBe(413);
    const json = await fetch(`${app.url}/api/v1/extensions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'a'.repeat(100_000) }),
    });
    expect(json.status).toBe(413);
    // The same size from a signed-in session is parsed (and then refused by the form's own rules).
    const { cookie, csrf } = await session('admin', 'admin-password-1');
    const big = await post('/extensions', `_csrf=${csrf}&number=10a1&pad=${'a'.repeat(100_000)}`, { cookie });
    expect(big.status).toBe(400);
    // Signing in still works.
    expect((await login('admin', 'admin-password-1')).status).toBe(303);
  });
});

describe('web sign-in', () => {
  it('a correct password starts a session that reaches the pages and the API', async () => {
    const { cookie } = await session('admin', 'admin-password-1');
    const res = await fetch(`${app.url}/api/v1/extensions`, { headers: { cookie } });
    expect(res.status).toBe(200);
  });

  it('a wrong password answers 401 and sets no session', async () => {
    const res = await login('admin', 'wrong-password', '10.9.9.1');
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(await res.text()).toContain('Wrong username or password');
  });

  it('pages send an anonymous visitor to the sign-in form', async () => {
    const res = await fetch(`${app.url}/extensions`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login?next=%2Fextensions');
  });

  it('refuses an open redirect after sign-in', async () => {
    const res = await fetch(`${app.url}/login?next=//evil.example/`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=admin&password=admin-password-1',
    });
    expect(res.headers.get('location')).toBe('/extensions');
  });

  it('rate-limits failed sign-ins per client address', async () => {
    const ip = '10.1.2.3';
    for (let i = 0; i < 5; i++) expect((await login('admin', `nope-${i}`, ip)).status).toBe(401);
    const limited = await login('admin', 'admin-password-1', ip);
    expect(limited.status).toBe(429);
    expect(await limited.text()).toContain('Too many failed sign-ins');
    expect((await login('admin', 'admin-password-1', '10.1.2.4')).status).toBe(303);
  });

  it('signing out ends the session', async () => {
    const { cookie, csrf } = await session('admin', 'admin-password-1');
    const out = await fetch(`${app.url}/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: `_csrf=${encodeURIComponent(csrf)}`,
    });
    expect(out.status).toBe(303);
    expect((await fetch(`${app.url}/api/v1/extensions`, { headers: { cookie } })).status).toBe(401);
  });
});

describe('CSRF protection on session-authenticated changes', () => {
  const body = JSON.stringify({ number: '6001', display_name: 'Csrf Test' });

  it('refuses a state change without the CSRF token and creates nothing', async () => {
    const { cookie } = await session('admin', 'admin-password-1');
    const res = await fetch(`${app.url}/api/v1/extensions`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(403);
    expect((await res.json()).error.code).toBe('csrf_failed');
    expect((await app.api('GET', '/api/v1/extensions/6001')).status).toBe(404);
  });

  it('accepts the same change with the session CSRF token', async () => {
    const { cookie, csrf } = await session('admin', 'admin-password-1');
    const res = await fetch(`${app.url}/api/v1/extensions`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': csrf },
      body,
    });
    expect(res.status).toBe(201);
  });

  it('does not ask bearer-token clients for a CSRF token', async () => {
    expect(
      (
        await app.api('POST', '/api/v1/extensions', {
          body: { number: '6002', display_name: 'Token Client' },
        })
      ).status,
    ).toBe(201);
  });
});

describe('API tokens', () => {
  it('the CLI prints a new token alone, stored only as a hash, and it authenticates', async () => {
    const env = {
      ...process.env,
      DATABASE_URL: `${process.env['TEST_MYSQL_SERVER'] ?? 'mysql://root@127.0.0.1:3306'}/${app.dbName}`,
    };
    const { stdout } = await run(
      'npx',
      ['tsx', join(__dirname, '..', 'cli', 'main.ts'), 'token', 'create', '--user', 'super'],
      { env, timeout: 60_000 },
    );
    const token = stdout.trim();
    expect(token).toMatch(/^sb_[A-Za-z0-9_-]{43}$/);
    expect(stdout).toBe(`${token}\n`);
    const stored = await app.sb.deps.db('api_tokens').pluck('token_hash');
    expect(stored).not.toContain(token);
    expect((await app.api('GET', '/api/v1/extensions', { token })).status).toBe(200);
  });
});
