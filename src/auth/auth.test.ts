import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { useTestApp } from '../../test/support/app';
import { prepareTestDatabase } from '../../test/support/db-template';
import { testEnv } from '../../test/support/env';
import { postLogin } from '../../test/support/web';
import { loadConfig } from '../config';
import { createKnex } from '../db/knex';
import { createUser, ensureFirstAdmin } from './accounts';
import { lockSecondsAfter } from './backoff';
import { createApiToken } from './tokens';

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

  it('writes each sign-in outcome to the audit log, the typed name and address with it, never the password', async () => {
    await login('admin', 'Wrong-Audit-Pass-1357', '10.9.9.7');
    await session('admin', 'admin-password-1');
    const rows = await app.sb.deps
      .db('audit_log')
      .where({ action: 'sign-in', actor: 'admin' })
      .orderBy('id', 'desc')
      .limit(2);
    expect(rows.map((r) => r.outcome)).toEqual(['ok', 'failed: password']);
    expect(rows[1]).toMatchObject({ ip: '10.9.9.7', actor_user_id: null });
    expect(JSON.stringify(rows)).not.toContain('Wrong-Audit-Pass-1357');
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
    // A different name each time: the per-account backoff alone would not stop this.
    for (let i = 0; i < 5; i++) expect((await login(`nobody-${i}`, `nope-${i}`, ip)).status).toBe(401);
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
    const audit = await app.sb.deps.db('audit_log').where({ action: 'token create', via: 'system' }).first();
    expect(audit).toMatchObject({
      object_id: String((await app.sb.deps.db('users').where({ username: 'super' }).first()).id),
    });
  });
});

describe('per-account backoff on failed sign-ins', () => {
  it('doubles the lock with each failure past the free ones, up to 15 minutes', () => {
    expect([1, 2, 3, 4, 5, 6].map(lockSecondsAfter)).toEqual([0, 0, 15, 30, 60, 120]);
    expect(lockSecondsAfter(40)).toBe(900);
  });

  it('locks the account whatever the address, refuses even the right password while locked, and a success resets it', async () => {
    await createUser(app.sb.deps.db, { username: 'backoff', password: 'backoff-password-1', role: 'user' });
    // Each guess from another address: the per-address limit never triggers.
    for (let i = 1; i <= 2; i++)
      expect((await login('backoff', `guess-${i}`, `10.7.0.${i}`)).status).toBe(401);
    const third = await login('backoff', 'guess-3', '10.7.0.3');
    expect(third.status).toBe(401);
    expect(await third.text()).toContain('Try again in 15 seconds');
    const locked = await login('backoff', 'backoff-password-1', '10.7.0.4');
    expect(locked.status).toBe(429);
    expect(await locked.text()).toContain('Too many failed sign-ins for this account');
    const row = await app.sb.deps.db('login_failures').where({ username: 'backoff' }).first();
    expect(row.failures).toBe(3);
    // The lock runs out (moved into the past rather than waited for), the next failure doubles it.
    await app.sb.deps
      .db('login_failures')
      .where({ username: 'backoff' })
      .update({ locked_until: new Date(Date.now() - 1000) });
    expect(await (await login('backoff', 'guess-4', '10.7.0.5')).text()).toContain('Try again in 30 seconds');
    await app.sb.deps
      .db('login_failures')
      .where({ username: 'backoff' })
      .update({ locked_until: new Date(Date.now() - 1000) });
    expect((await login('backoff', 'backoff-password-1', '10.7.0.6')).status).toBe(303);
    expect(await app.sb.deps.db('login_failures').where({ username: 'backoff' }).first()).toBeUndefined();
  });

  it('counts wrong second-factor codes too: the third ends the half-signed-in session and locks the account', async () => {
    const db = app.sb.deps.db;
    const id = await createUser(db, { username: 'codeguess', password: 'codeguess-pass-1', role: 'user' });
    await db('users').where({ id }).update({ totp_secret: 'JBSWY3DPEHPK3PXP', totp_enabled_at: new Date() });
    const pending = await login('codeguess', 'codeguess-pass-1', '10.7.1.1');
    expect(pending.headers.get('location')).toBe('/login/code');
    const cookie = pending.headers.get('set-cookie')!.split(';')[0]!;
    expect((await fetch(`${app.url}/api/v1/me`, { headers: { cookie } })).status).toBe(401);
    const guess = (code: string) =>
      fetch(`${app.url}/login/code`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          cookie,
          'content-type': 'application/x-www-form-urlencoded',
          'x-forwarded-for': '10.7.1.2',
        },
        body: new URLSearchParams({ code }).toString(),
      });
    expect(await (await guess('not-a-code')).text()).toContain('Wrong code.');
    expect((await guess('12345')).status).toBe(401);
    const third = await guess('abcd-efgh-jk');
    expect(await third.text()).toContain('Try again in 15 seconds');
    expect(await db('sessions').where({ user_id: id })).toHaveLength(0);
    expect((await login('codeguess', 'codeguess-pass-1', '10.7.1.3')).status).toBe(429);
  });
});

describe('API token scopes and expiry', () => {
  it('a read-only token reads but gets 403 on every write, and the write changes nothing', async () => {
    const admin = await app.sb.deps.db('users').where({ username: 'admin' }).first();
    const token = await createApiToken(app.sb.deps.db, admin.id, 'ro', { scope: 'read' });
    expect((await app.api('GET', '/api/v1/extensions', { token })).status).toBe(200);
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const res = await app.api(method, '/api/v1/extensions', {
        token,
        body: { number: '6101', display_name: 'RO' },
      });
      expect(res.status).toBe(403);
      expect(res.body.error.message).toBe('this API token is read-only');
    }
    expect((await app.api('GET', '/api/v1/extensions/6101')).status).toBe(404);
  });

  it('an expired token answers 401 and says so', async () => {
    const admin = await app.sb.deps.db('users').where({ username: 'admin' }).first();
    const token = await createApiToken(app.sb.deps.db, admin.id, 'old', {
      expiresAt: new Date(Date.now() - 1000),
    });
    const res = await app.api('GET', '/api/v1/extensions', { token });
    expect(res.status).toBe(401);
    expect(res.body.error.message).toBe('the API token has expired');
  });

  it('the admin API creates tokens with a default 90-day expiry, or read-only and never expiring, and refuses a bad lifetime', async () => {
    const me = (await app.api('GET', '/api/v1/me')).body;
    const made = await app.api('POST', `/api/v1/users/${me.id}/tokens`, { body: { name: 'default' } });
    expect(made.status).toBe(201);
    const days = (Date.parse(made.body.expires_at) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThanOrEqual(90);
    const forever = await app.api('POST', `/api/v1/users/${me.id}/tokens`, {
      body: { name: 'dash', scope: 'read', expires_in_days: null },
    });
    expect(forever.body).toMatchObject({ scope: 'read', expires_at: null });
    expect((await app.api('DELETE', '/api/v1/extensions/1', { token: forever.body.token })).status).toBe(403);
    const before = (await app.api('GET', `/api/v1/users/${me.id}/tokens`)).body.items.length;
    const bad = await app.api('POST', `/api/v1/users/${me.id}/tokens`, {
      body: { name: 'x', expires_in_days: 0 },
    });
    expect(bad.status).toBe(400);
    expect((await app.api('GET', `/api/v1/users/${me.id}/tokens`)).body.items).toHaveLength(before);
  });

  it('the CLI makes a read-only token with a lifetime, and refuses a malformed one', async () => {
    const env = {
      ...process.env,
      DATABASE_URL: `${process.env['TEST_MYSQL_SERVER'] ?? 'mysql://root@127.0.0.1:3306'}/${app.dbName}`,
    };
    const cli = join(__dirname, '..', 'cli', 'main.ts');
    const { stdout } = await run(
      'npx',
      [
        'tsx',
        cli,
        'token',
        'create',
        '--user',
        'super',
        '--name',
        'ro-cli',
        '--read-only',
        '--expires-in',
        '7d',
      ],
      { env, timeout: 60_000 },
    );
    const token = stdout.trim();
    expect((await app.api('GET', '/api/v1/me', { token })).status).toBe(200);
    expect((await app.api('POST', '/api/v1/extensions', { token, body: {} })).status).toBe(403);
    const row = await app.sb.deps.db('api_tokens').where({ name: 'ro-cli' }).first();
    expect(row.scope).toBe('read');
    expect((row.expires_at.getTime() - Date.now()) / 86_400_000).toBeCloseTo(7, 1);
    await expect(
      run(
        'npx',
        ['tsx', cli, 'token', 'create', '--user', 'super', '--name', 'bad', '--expires-in', '7 weeks'],
        {
          env,
          timeout: 60_000,
        },
      ),
    ).rejects.toMatchObject({ stderr: expect.stringContaining('--expires-in must be like 30d') });
    expect(await app.sb.deps.db('api_tokens').where({ name: 'bad' }).first()).toBeUndefined();
  });
});

describe('own password', () => {
  it('through the API, wrong current passwords lock the account like wrong sign-ins do', async () => {
    await createUser(app.sb.deps.db, { username: 'guesser', password: 'guesser-password-1', role: 'user' });
    const id = (await app.sb.deps.db('users').where({ username: 'guesser' }).first()).id;
    const token = await createApiToken(app.sb.deps.db, id, 'stolen');
    const change = (current: string) =>
      app.api('POST', '/api/v1/me/password', {
        token,
        body: { current_password: current, new_password: 'a-fresh-password-9' },
      });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await change(`guess-number-${i}`)).status);
    expect(statuses).toContain(429);
    // Locked: even the right one is refused, and nothing changed.
    expect((await change('guesser-password-1')).status).toBe(429);
    expect((await login('guesser', 'guesser-password-1', '10.8.2.1')).status).toBe(429);
  });

  it('changes with the current password, refuses a weak or wrong one, and ends the other sessions', async () => {
    await createUser(app.sb.deps.db, { username: 'changer', password: 'changer-password-1', role: 'user' });
    const other = await session('changer', 'changer-password-1');
    const id = (await app.sb.deps.db('users').where({ username: 'changer' }).first()).id;
    const token = await createApiToken(app.sb.deps.db, id, 'self');
    const change = (body: unknown) => app.api('POST', '/api/v1/me/password', { token, body });
    const wrong = await change({ current_password: 'not-it-at-all', new_password: 'a-new-password-2' });
    expect(wrong.status).toBe(403);
    const weak = await change({ current_password: 'changer-password-1', new_password: 'short' });
    expect(weak.status).toBe(422);
    expect(weak.body.error.details[0].path).toBe('new_password');
    expect((await fetch(`${app.url}/api/v1/me`, { headers: { cookie: other.cookie } })).status).toBe(200);
    const ok = await change({ current_password: 'changer-password-1', new_password: 'a-new-password-2' });
    expect(ok.status).toBe(200);
    expect((await fetch(`${app.url}/api/v1/me`, { headers: { cookie: other.cookie } })).status).toBe(401);
    expect((await login('changer', 'changer-password-1', '10.8.0.1')).status).toBe(401);
    expect((await login('changer', 'a-new-password-2', '10.8.0.2')).status).toBe(303);
  });
});

describe('the first admin', () => {
  it('gets a generated password flagged must-change, and its session reaches only the change-password page', async () => {
    const dbName = `sb_test_${randomBytes(5).toString('hex')}`;
    await prepareTestDatabase(testEnv.mysqlServer, dbName);
    const fresh = createKnex(`${testEnv.mysqlServer}/${dbName}`, { min: 0, max: 1 });
    try {
      const first = await ensureFirstAdmin(fresh, { username: 'root-admin' });
      expect(first.password).toMatch(/^[A-Za-z0-9]{20}$/);
      expect((await fresh('users').where({ username: 'root-admin' }).first()).must_change_password).toBe(1);
      const chosen = await ensureFirstAdmin(fresh, { username: 'x', password: 'chosen-password-1' });
      expect(chosen.created).toBe(false);
    } finally {
      await fresh.raw(`DROP DATABASE \`${dbName}\``);
      await fresh.destroy();
    }
    // The same flag on this app's database: the session is held at the change-password page.
    await createUser(app.sb.deps.db, {
      username: 'firstish',
      password: 'generated-password-1',
      role: 'admin',
      mustChangePassword: true,
    });
    const res = await login('firstish', 'generated-password-1', '10.8.1.1');
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    const page = await fetch(`${app.url}/extensions`, { headers: { cookie }, redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/account/password');
    const api = await fetch(`${app.url}/api/v1/extensions`, { headers: { cookie } });
    expect(api.status).toBe(403);
    expect((await api.json()).error.code).toBe('password_change_required');
    // Nor can it make itself a token on the account page: tokens are never gated, so one made now
    // would skip the change for good.
    const form = await (await fetch(`${app.url}/account/password`, { headers: { cookie } })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form)?.[1] ?? '';
    expect(csrf).not.toBe('');
    const made = await fetch(`${app.url}/account/tokens`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, name: 'skip', scope: 'full', expires: 'never' }).toString(),
      redirect: 'manual',
    });
    expect([made.status, made.headers.get('location')]).toEqual([303, '/account/password']);
    const firstishId = (await app.sb.deps.db('users').where({ username: 'firstish' }).first()).id;
    expect(await app.sb.deps.db('api_tokens').where({ user_id: firstishId })).toEqual([]);
    // A token of the same account is not held back: machines do not change passwords.
    const id = (await app.sb.deps.db('users').where({ username: 'firstish' }).first()).id;
    const token = await createApiToken(app.sb.deps.db, id, 'ops');
    expect((await app.api('GET', '/api/v1/extensions', { token })).status).toBe(200);
  });
});

describe('secure cookies', () => {
  it('are the default in production off loopback; on loopback the flag follows TLS; COOKIE_SECURE overrides', () => {
    const secure = (env: Record<string, string>) => loadConfig({ ARI_PASSWORD: 'x', ...env }).cookieSecure;
    expect(secure({ NODE_ENV: 'production', HOST: '0.0.0.0' })).toBe(true);
    expect(secure({ NODE_ENV: 'production', HOST: '127.0.0.1' })).toBe('tls');
    expect(secure({ NODE_ENV: 'production', HOST: '0.0.0.0', COOKIE_SECURE: 'false' })).toBe(false);
    expect(secure({ NODE_ENV: 'development', HOST: '127.0.0.1', COOKIE_SECURE: 'true' })).toBe(true);
  });

  it('on loopback, a sign-in through a TLS proxy gets a Secure cookie and plain http does not', async () => {
    const plain = await login('admin', 'admin-password-1', '10.8.2.1');
    expect(plain.headers.get('set-cookie')).not.toMatch(/;\s*Secure/i);
    const res = await postLogin(app, 'admin', 'admin-password-1', {
      'x-forwarded-for': '10.8.2.2',
      'x-forwarded-proto': 'https',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toMatch(/;\s*Secure/i);
  });
});

describe('admin reset of a second factor', () => {
  it('removes it, so the next sign-in needs the password alone', async () => {
    const db = app.sb.deps.db;
    const id = await createUser(db, { username: 'lostphone', password: 'lostphone-pass-1', role: 'user' });
    await db('users').where({ id }).update({ totp_secret: 'JBSWY3DPEHPK3PXP', totp_enabled_at: new Date() });
    const held = await login('lostphone', 'lostphone-pass-1', '10.8.3.1');
    expect(held.headers.get('location')).toBe('/login/code');
    expect((await app.api('DELETE', `/api/v1/users/${id}/mfa`)).status).toBe(204);
    expect((await app.api('DELETE', '/api/v1/users/999999/mfa')).status).toBe(404);
    const res = await login('lostphone', 'lostphone-pass-1', '10.8.3.2');
    expect(res.headers.get('location')).toBe('/extensions');
  });
});
