import { useTestApp } from '../../test/support/app';
import { asteriskCli } from '../../test/support/asterisk';
import { snapshotConfig } from '../../test/support/config-files';
import { HOSTILE } from '../../test/support/hostile';
import { changesNothing, errorPaths } from '../../test/support/refusals';
import { signIn } from '../../test/support/web';

const app = useTestApp({ APPLY_DEBOUNCE_MS: '300' });

let greetingId: number;
const routes: number[] = [];
const dest = { type: 'extension', target: '1001' };

async function settingsRow() {
  return app.sb.deps.db('emergency_settings').where({ id: 1 }).first();
}

beforeAll(async () => {
  expect(
    (await app.api('POST', '/api/v1/extensions', { body: { number: '1001', display_name: 'Duty phone' } }))
      .status,
  ).toBe(201);
  const greeting = await app.api('POST', '/api/v1/greetings', {
    body: { name: 'Crisis', default_language: 'en', tts_text: 'We are closed because of an emergency.' },
  });
  expect(greeting.status).toBe(201);
  greetingId = greeting.body.id;
  for (const [name, did] of [
    ['Main', '3225550100'],
    ['Sales', '3225550200'],
  ]) {
    const res = await app.api('POST', '/api/v1/inbound-routes', {
      body: { name, did, destination: { type: 'extension', target: '1001' } },
    });
    expect(res.status).toBe(201);
    routes.push(res.body.id);
  }
  await app.applyNow();
}, 60_000);

describe('emergency mode API', () => {
  // The greeting's files live in the shared sandbox: free it and delete it through the API.
  afterAll(async () => {
    await app.api('PUT', '/api/v1/emergency', {
      body: { active: false, greeting_id: null, destination: null },
    });
    await app.api('DELETE', `/api/v1/greetings/${greetingId}`);
  });

  it('starts off, with no PIN and an empty log', async () => {
    const res = await app.api('GET', '/api/v1/emergency');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      active: false,
      all_routes: true,
      pin_set: false,
      feature_code: '*99',
      changed_by: null,
      log: [],
    });
    expect(await asteriskCli('dialplan show sb-emergency')).toMatch(/no such context|There is no existence/i);
  });

  it('cannot be switched on without a greeting and a destination (422, nothing changes)', async () => {
    await app.settled();
    const before = snapshotConfig();
    const rowBefore = await settingsRow();
    const res = await app.api('PUT', '/api/v1/emergency', { body: { active: true } });
    expect(res.status).toBe(422);
    expect(errorPaths(res)).toEqual(expect.arrayContaining(['greeting_id', 'destination']));
    const noRoutes = await app.api('PUT', '/api/v1/emergency', {
      body: { active: true, greeting_id: greetingId, destination: dest, all_routes: false, route_ids: [] },
    });
    expect(noRoutes.status).toBe(422);
    expect(errorPaths(noRoutes)).toContain('route_ids');
    expect(await settingsRow()).toEqual(rowBefore);
    expect(snapshotConfig()).toEqual(before);
  });

  it.each([
    ['a greeting that does not exist', { greeting_id: 99999 }, 'greeting_id'],
    [
      'a destination that does not exist',
      { destination: { type: 'extension', target: '4999' } },
      'destination.target',
    ],
    ['an inbound route that does not exist', { all_routes: false, route_ids: [99999] }, 'route_ids'],
  ])('refuses %s with 422', async (_what, patch, path) => {
    const res = await app.api('PUT', '/api/v1/emergency', {
      body: { active: true, greeting_id: greetingId, destination: dest, ...patch },
    });
    expect(res.status).toBe(422);
    expect(errorPaths(res)).toContain(path);
    expect((await settingsRow()).active).toBeFalsy();
  });

  const bad: Array<[string, Record<string, unknown>, string]> = [
    ['active as text', { active: 'yes' }, 'active'],
    ['route ids as text', { active: false, route_ids: ['1'] }, 'route_ids.0'],
    [
      'an unknown destination type',
      { active: false, destination: { type: 'shell', target: 'id' } },
      'destination.type',
    ],
    ['an unknown field', { active: false, context: 'x' }, '(body)'],
    ...[...HOSTILE, '${EXTEN}'].map((v): [string, Record<string, unknown>, string] => [
      `the injection ${JSON.stringify(v)} as destination`,
      { active: false, destination: { type: 'external', target: v } },
      'destination.target',
    ]),
  ];
  it.each(bad)('refuses %s with 400 and no change', async (_what, body, path) => {
    const res = await changesNothing(app, () => app.api('PUT', '/api/v1/emergency', { body }), settingsRow);
    expect(res.status).toBe(400);
    expect(errorPaths(res)).toContain(path);
  });

  it.each(['12', '12345678901', 'abcd', '12 34', '${EXTEN}', '1234\n'])(
    'refuses the PIN %j with 400',
    async (pin) => {
      const res = await app.api('PUT', '/api/v1/emergency/pin', { body: { pin } });
      expect(res.status).toBe(400);
      expect((await settingsRow()).pin_hash).toBeNull();
    },
  );

  it('switched on for all routes: every inbound route goes to the greeting, then the destination; who and when are recorded', async () => {
    const res = await app.api('PUT', '/api/v1/emergency', {
      body: { active: true, greeting_id: greetingId, destination: dest },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      active: true,
      all_routes: true,
      greeting_id: greetingId,
      destination: dest,
      changed_by: 'admin',
      changed_via: 'api',
      log: [{ active: true, by: 'admin', via: 'api', at: expect.any(String) }],
    });
    await app.applyNow();
    const ctx = await asteriskCli('dialplan show s@sb-emergency');
    expect(ctx).toContain(`Playback(switchboard/greeting-${greetingId})`);
    expect(ctx).toContain('Goto(sb-dest-extension,1001,1)');
    for (const id of routes)
      expect(await asteriskCli(`dialplan show sb-in-${id}`)).toContain('Goto(sb-emergency,s,1)');
  });

  it('refuses to delete its greeting while configured (409 naming emergency mode)', async () => {
    const res = await app.api('DELETE', `/api/v1/greetings/${greetingId}`);
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain('emergency mode');
  });

  it('for a chosen set of routes reroutes only those', async () => {
    const res = await app.api('PUT', '/api/v1/emergency', {
      body: {
        active: true,
        all_routes: false,
        route_ids: [routes[0]],
        greeting_id: greetingId,
        destination: dest,
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.log).toHaveLength(1); // still on: no new switch entry
    await app.applyNow();
    expect(await asteriskCli(`dialplan show sb-in-${routes[0]}`)).toContain('Goto(sb-emergency,s,1)');
    expect(await asteriskCli(`dialplan show sb-in-${routes[1]}`)).toContain('Goto(sb-dest-extension,1001,1)');
  });

  it('switched off ({"active": false} alone) restores normal routing, keeps the rest, and logs it', async () => {
    const res = await app.api('PUT', '/api/v1/emergency', { body: { active: false } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ active: false, greeting_id: greetingId, destination: dest });
    expect(res.body.log.map((l: { active: boolean }) => l.active)).toEqual([false, true]);
    await app.applyNow();
    for (const id of routes)
      expect(await asteriskCli(`dialplan show sb-in-${id}`)).toContain('Goto(sb-dest-extension,1001,1)');
    expect(await asteriskCli('dialplan show sb-emergency')).not.toContain('Playback');
  });

  it('a PIN is stored hashed, never shown, and puts *99 in the dialplan; supervisors may read but not switch', async () => {
    const res = await app.api('PUT', '/api/v1/emergency/pin', { body: { pin: '13579' } });
    expect(res.status).toBe(204);
    expect((await settingsRow()).pin_hash).toMatch(/^\$argon2id\$/);
    const read = await app.api('GET', '/api/v1/emergency', { token: app.tokens.supervisor });
    expect(read.body.pin_set).toBe(true);
    expect(read.text).not.toContain('13579');
    expect(read.text).not.toContain('argon2');
    await app.applyNow();
    const codes = await asteriskCli('dialplan show *99@sb-feature-codes');
    expect(codes).toContain('Stasis(switchboard,feature,emergency,');
    expect(codes).not.toContain('13579');
    const denied = await app.api('PUT', '/api/v1/emergency', {
      body: { active: true },
      token: app.tokens.supervisor,
    });
    expect(denied.status).toBe(403);
  });
});

describe('emergency mode in the web UI', () => {
  it('the page shows the switch and the log; the switch records "ui"', async () => {
    const s = await signIn(app, 'admin', 'admin-password-1', '/emergency');
    expect(s.pageHtml).toContain('Switch ON');
    const post = s.post;
    // Nothing configured: refused, and the page says why.
    const refused = await post('/emergency/switch', { active: 'on' });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain('needs a greeting');
    const greeting = await app.api('POST', '/api/v1/greetings', {
      body: { name: 'Web crisis', default_language: 'en', tts_text: 'Closed.' },
    });
    const saved = await post('/emergency', {
      scope: 'all',
      greeting_id: String(greeting.body.id),
      destination: 'extension:1001',
    });
    expect(saved.status).toBe(303);
    expect((await post('/emergency/switch', { active: 'on' })).status).toBe(303);
    const on = (await app.api('GET', '/api/v1/emergency')).body;
    expect(on).toMatchObject({ active: true, changed_by: 'admin', changed_via: 'ui' });
    const shown = await s.text('/emergency');
    expect(shown).toContain('Switch OFF');
    expect(shown).toContain('Web crisis');
    expect((await post('/emergency/switch', { active: 'off' })).status).toBe(303);
    await post('/emergency', { scope: 'all', greeting_id: '', destination: '' });
    expect((await app.api('GET', '/api/v1/emergency')).body).toMatchObject({
      active: false,
      greeting_id: null,
    });
    expect((await app.api('DELETE', `/api/v1/greetings/${greeting.body.id}`)).status).toBe(204);
  });
});
