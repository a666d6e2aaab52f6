import { useTestApp } from '../../test/support/app';
import { HOSTILE } from '../../test/support/hostile';
import { postLogin } from '../../test/support/web';

const app = useTestApp();

const signIn = async (username: string, password: string) =>
  (await postLogin(app, username, password)).status;

describe('user administration', () => {
  it('creates a user with a generated password shown once, who can then sign in', async () => {
    const res = await app.api('POST', '/api/v1/users', { body: { username: 'bob', role: 'user' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ username: 'bob', role: 'user', disabled: false });
    expect(res.body.password).toMatch(/^[A-Za-z0-9]{20}$/);
    const listed = await app.api('GET', '/api/v1/users');
    expect(listed.text).not.toContain(res.body.password);
    expect(listed.text).not.toContain('password_hash');
    expect(await signIn('bob', res.body.password)).toBe(303);
  });

  it('links a user to an extension only if it exists (422 otherwise)', async () => {
    const res = await app.api('POST', '/api/v1/users', {
      body: { username: 'carol', role: 'user', extension_number: '1999' },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.details[0].path).toBe('extension_number');
  });

  it.each(HOSTILE)('refuses the username %j with 400', async (username) => {
    expect((await app.api('POST', '/api/v1/users', { body: { username, role: 'user' } })).status).toBe(400);
  });

  it('an extension links to one user only: a second user with it is a 409 and changes nothing', async () => {
    expect(
      (await app.api('POST', '/api/v1/extensions', { body: { number: '1001', display_name: 'Alice' } }))
        .status,
    ).toBe(201);
    try {
      const before = await app.api('GET', '/api/v1/users');
      // alice (a fixture user) holds 1001.
      const dup = await app.api('POST', '/api/v1/users', {
        body: { username: 'dave', role: 'user', extension_number: '1001' },
      });
      expect(dup.status).toBe(409);
      expect(dup.body.error.details[0].path).toBe('extension_number');
      const bob = before.body.items.find((u: { username: string }) => u.username === 'bob');
      const patch = await app.api('PATCH', `/api/v1/users/${bob.id}`, { body: { extension_number: '1001' } });
      expect(patch.status).toBe(409);
      expect((await app.api('GET', '/api/v1/users')).body).toEqual(before.body);
      // The table holds the rule too, for writers that skip the service.
      await expect(
        app.sb.deps.db('users').where({ id: bob.id }).update({ extension_number: '1001' }),
      ).rejects.toMatchObject({ code: 'ER_DUP_ENTRY' });
    } finally {
      await app.api('DELETE', '/api/v1/extensions/1001');
    }
  });

  it('a duplicate username is a 409', async () => {
    expect((await app.api('POST', '/api/v1/users', { body: { username: 'bob', role: 'user' } })).status).toBe(
      409,
    );
  });

  it('changing a password or disabling a user ends their sessions and stops sign-in', async () => {
    const bob = (await app.api('GET', '/api/v1/users')).body.items.find(
      (u: { username: string }) => u.username === 'bob',
    );
    expect(
      (await app.api('PATCH', `/api/v1/users/${bob.id}`, { body: { password: 'brand-new-password-1' } }))
        .status,
    ).toBe(200);
    expect(await signIn('bob', 'brand-new-password-1')).toBe(303);
    expect(
      (await app.api('PATCH', `/api/v1/users/${bob.id}`, { body: { disabled: true } })).body.disabled,
    ).toBe(true);
    expect(await signIn('bob', 'brand-new-password-1')).toBe(401);
  });

  it('never removes, demotes or disables the last enabled admin', async () => {
    const admin = (await app.api('GET', '/api/v1/users')).body.items.find(
      (u: { username: string }) => u.username === 'admin',
    );
    expect((await app.api('PATCH', `/api/v1/users/${admin.id}`, { body: { role: 'user' } })).status).toBe(
      409,
    );
    expect((await app.api('PATCH', `/api/v1/users/${admin.id}`, { body: { disabled: true } })).status).toBe(
      409,
    );
    expect((await app.api('DELETE', `/api/v1/users/${admin.id}`)).status).toBe(409);
    const second = await app.api('POST', '/api/v1/users', {
      body: { username: 'admin2', role: 'admin', password: 'second-admin-pass' },
    });
    expect(second.status).toBe(201);
    expect(second.body).not.toHaveProperty('password');
    expect((await app.api('DELETE', `/api/v1/users/${second.body.id}`)).status).toBe(204);
  });

  it('API tokens are created once, listed without their value, authenticate, and can be revoked', async () => {
    const sup = (await app.api('GET', '/api/v1/users')).body.items.find(
      (u: { username: string }) => u.username === 'super',
    );
    const created = await app.api('POST', `/api/v1/users/${sup.id}/tokens`, { body: { name: 'wallboard' } });
    expect(created.status).toBe(201);
    const token = created.body.token as string;
    expect((await app.api('GET', '/api/v1/me', { token })).body).toMatchObject({
      username: 'super',
      role: 'supervisor',
      via: 'token',
    });
    const listed = await app.api('GET', `/api/v1/users/${sup.id}/tokens`);
    expect(listed.text).not.toContain(token);
    const entry = listed.body.items.find((t: { name: string }) => t.name === 'wallboard');
    expect(entry.last_used_at).not.toBeNull();
    expect((await app.api('DELETE', `/api/v1/users/${sup.id}/tokens/${entry.id}`)).status).toBe(204);
    expect((await app.api('GET', '/api/v1/me', { token })).status).toBe(401);
  });

  it('only admins manage users', async () => {
    expect((await app.api('GET', '/api/v1/users', { token: app.tokens.supervisor })).status).toBe(403);
    expect(
      (
        await app.api('POST', '/api/v1/users', {
          token: app.tokens.user,
          body: { username: 'x1', role: 'admin' },
        })
      ).status,
    ).toBe(403);
    expect((await app.api('GET', '/api/v1/me', { token: app.tokens.user })).body).toMatchObject({
      username: 'alice',
      role: 'user',
    });
  });
});
