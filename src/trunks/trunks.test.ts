import { useTestApp } from '../../test/support/app';
import { ariObject, asteriskCli, waitFor } from '../../test/support/asterisk';
import { HOSTILE } from '../../test/support/hostile';
import { changesNothing } from '../../test/support/refusals';

// The forced apply joins the write's batch, so each test reads the revision of its own write.
const app = useTestApp({ APPLY_DEBOUNCE_MS: '300' });
beforeAll(async () => {
  await app.applyNow();
});

const ipTrunk = { name: 'carrier-ip', kind: 'ip', host: '127.0.0.9', peer_addresses: ['127.0.0.9'] };
const regTrunk = {
  name: 'carrier-reg',
  kind: 'registration',
  host: '127.0.0.9',
  port: 5099,
  username: 'sb-test',
  password: 'test-pass-1',
  from_user: 'sb-test',
  registration_expiry: 120,
  retry_interval: 10,
};

describe('trunks', () => {
  it('a registration trunk is written to Asterisk with a reload, and its password is never returned', async () => {
    const res = await app.api('POST', '/api/v1/trunks', { body: regTrunk });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'carrier-reg',
      kind: 'registration',
      has_password: true,
      peer_addresses: ['127.0.0.9'],
    });
    expect(res.text).not.toContain('test-pass-1');
    const rev = await app.applyNow();
    // The trunk's objects and its inbound context sb-from-trunk-<name>: both files, both modules.
    expect(rev).toMatchObject({
      status: 'succeeded',
      files_changed: ['extensions.conf', 'pjsip_trunks.conf'],
      modules_reloaded: ['pbx_config.so', 'res_pjsip.so'],
    });
    expect(await ariObject('endpoint', 'trunk-carrier-reg')).toMatchObject({
      context: 'sb-from-trunk-carrier-reg',
      from_user: 'sb-test',
    });
    expect(await asteriskCli('pjsip show registrations')).toContain('trunk-carrier-reg/sip:127.0.0.9:5099');
  });

  it('shows the live registration state Asterisk reports, with a reason while not registered', async () => {
    const trunk = (await app.api('GET', '/api/v1/trunks')).body.items.find(
      (t: { name: string }) => t.name === 'carrier-reg',
    );
    const status = await waitFor('a registration status', async () => {
      const res = await app.api('GET', `/api/v1/trunks/${trunk.id}`);
      return res.body.status.registration !== 'unknown' && res.body.status;
    });
    expect(status.registration).toMatch(/^(unregistered|rejected)$/);
    expect(status.reason).toEqual(expect.any(String));
  });

  it('stores the password sealed, and asks for it again when the trunk points at another server', async () => {
    const trunk = (await app.api('GET', '/api/v1/trunks')).body.items.find(
      (t: { name: string }) => t.name === 'carrier-reg',
    );
    const row = () => app.sb.deps.db('trunks').where({ id: trunk.id }).first();
    const stored = (await row()).password as string;
    expect(stored).toMatch(/^v1:/);
    expect(stored).not.toContain('test-pass-1');
    // Asterisk still gets it in clear: the rendered auth object carries it.
    expect(await ariObject('auth', 'trunk-carrier-reg')).toMatchObject({ password: 'test-pass-1' });
    const { name: _, password: __, ...kept } = regTrunk;
    for (const moved of [{ host: '127.0.0.99' }, { port: 5098 }, { transport: 'tcp' }]) {
      const res = await changesNothing(
        app,
        () => app.api('PUT', `/api/v1/trunks/${trunk.id}`, { body: { ...kept, ...moved } }),
        row,
      );
      expect([res.status, res.body.error.details]).toEqual([
        400,
        [{ path: 'password', message: expect.stringContaining('enter the password again') }],
      ]);
    }
    // Same server, password left out: kept as it was. A move with the password re-entered is taken.
    expect((await app.api('PUT', `/api/v1/trunks/${trunk.id}`, { body: kept })).status).toBe(200);
    expect((await row()).password).toBe(stored);
    const moved = await app.api('PUT', `/api/v1/trunks/${trunk.id}`, {
      body: { ...kept, port: 5098, password: 'test-pass-2' },
    });
    expect(moved.status).toBe(200);
    await app.applied();
    expect(await ariObject('auth', 'trunk-carrier-reg')).toMatchObject({ password: 'test-pass-2' });
    // Back where it was (the following tests use it), password re-entered.
    expect(
      (await app.api('PUT', `/api/v1/trunks/${trunk.id}`, { body: { ...kept, password: 'test-pass-1' } }))
        .status,
    ).toBe(200);
    await app.applied();
  });

  it('an IP trunk identifies its peers by address and has no registration', async () => {
    const res = await app.api('POST', '/api/v1/trunks', { body: ipTrunk });
    expect(res.status).toBe(201);
    await app.applyNow();
    expect(await ariObject('identify', 'trunk-carrier-ip')).toMatchObject({ endpoint: 'trunk-carrier-ip' });
    const got = await app.api('GET', `/api/v1/trunks/${res.body.id}`);
    expect(got.body.status.registration).toBe('not_applicable');
  });

  it('a registration trunk without credentials, or an IP trunk without peers, is a 400 naming the field', async () => {
    const noCreds = await app.api('POST', '/api/v1/trunks', {
      body: { ...regTrunk, name: 'x1', username: undefined, password: undefined },
    });
    expect(noCreds.status).toBe(400);
    expect(noCreds.body.error.details.map((d: { path: string }) => d.path)).toEqual(
      expect.arrayContaining(['username', 'password']),
    );
    const noPeers = await app.api('POST', '/api/v1/trunks', {
      body: { name: 'x2', kind: 'ip', host: 'sip.example.com' },
    });
    expect(noPeers.body.error.details.map((d: { path: string }) => d.path)).toContain('peer_addresses');
  });

  const fields: Array<[string, (v: string) => Record<string, unknown>]> = [
    ['name', (v) => ({ ...ipTrunk, name: v })],
    ['host', (v) => ({ ...ipTrunk, name: 'h1', host: v })],
    ['username', (v) => ({ ...regTrunk, name: 'h2', username: v })],
    ['password', (v) => ({ ...regTrunk, name: 'h3', password: `abcd${v}` })],
    ['from_user', (v) => ({ ...regTrunk, name: 'h4', from_user: v })],
    ['from_domain', (v) => ({ ...regTrunk, name: 'h5', from_domain: v })],
    ['peer_addresses.0', (v) => ({ ...ipTrunk, name: 'h6', peer_addresses: [v] })],
  ];
  const values = [...HOSTILE, ']', 'a,b', 'x'.repeat(10 * 1024)];
  it.each(
    fields.flatMap(([f, make]) => values.map((v) => [f, JSON.stringify(v).slice(0, 30), make(v)] as const)),
  )('refuses %s = %s with 400 and changes no config file', async (field, _label, body) => {
    const res = await changesNothing(app, () => app.api('POST', '/api/v1/trunks', { body }));
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
  });

  it.each([
    ['a port out of range', { ...ipTrunk, name: 'p1', port: 70000 }, 'port'],
    ['a port that is not a number', { ...ipTrunk, name: 'p2', port: '5060' }, 'port'],
    [
      'a CIDR with a bad mask',
      { ...ipTrunk, name: 'p3', peer_addresses: ['10.0.0.0/33'] },
      'peer_addresses.0',
    ],
    ['a hostname with a space', { ...ipTrunk, name: 'p4', host: 'sip carrier.com' }, 'host'],
    ['an unknown transport', { ...ipTrunk, name: 'p5', transport: 'tls;x' }, 'transport'],
  ])('refuses %s', async (_n, body, path) => {
    const res = await app.api('POST', '/api/v1/trunks', { body });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
  });

  it('a duplicate trunk name is a 409', async () => {
    expect((await app.api('POST', '/api/v1/trunks', { body: ipTrunk })).status).toBe(409);
  });
});

describe('routes and referential integrity', () => {
  let trunkId: number;
  beforeAll(async () => {
    trunkId = (await app.api('GET', '/api/v1/trunks')).body.items.find(
      (t: { name: string }) => t.name === 'carrier-ip',
    ).id;
  });

  it('an outbound route renders in order, and deleting its trunk is refused with 409 naming the route', async () => {
    const res = await app.api('POST', '/api/v1/outbound-routes', {
      body: {
        name: 'International',
        patterns: ['_00.', '_+X.'],
        strip: 2,
        prepend: '+',
        class: 'international',
        trunk_ids: [trunkId],
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ position: 1, trunks: ['carrier-ip'], trunk_ids: [trunkId] });
    const rev = await app.applyNow();
    expect(rev).toMatchObject({
      status: 'succeeded',
      files_changed: ['extensions.conf'],
      modules_reloaded: ['pbx_config.so'],
    });
    expect(await asteriskCli('dialplan show sb-cos-ilnx')).toContain("Include =>        'sb-out-1'");
    expect(await asteriskCli('dialplan show sb-cos-iln')).toContain("Include =>        'sb-refuse-1'");
    const del = await app.api('DELETE', `/api/v1/trunks/${trunkId}`);
    expect(del.status).toBe(409);
    expect(del.body.error.message).toContain('International');
  });

  it('an outbound route naming a trunk that does not exist is a 422', async () => {
    const res = await app.api('POST', '/api/v1/outbound-routes', {
      body: { name: 'Bad', patterns: ['_0X.'], class: 'national', trunk_ids: [9999] },
    });
    expect(res.status).toBe(422);
  });

  it.each([['_00['], ['_0[9-]'], ['0${X}'], ['_0X.\n[evil]'], ['_X;X'], ['#include x']])(
    'refuses the dial pattern %j with 400',
    async (pattern) => {
      const res = await changesNothing(app, () =>
        app.api('POST', '/api/v1/outbound-routes', {
          body: { name: 'Bad', patterns: [pattern], class: 'national', trunk_ids: [trunkId] },
        }),
      );
      expect(res.status).toBe(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain('patterns.0');
    },
  );

  it('an inbound route to a missing extension is 422; deleting a routed extension is 409 naming the route', async () => {
    const missing = await app.api('POST', '/api/v1/inbound-routes', {
      body: { name: 'Main', did: '3225550123', destination: { type: 'extension', target: '1234' } },
    });
    expect(missing.status).toBe(422);
    expect(
      (await app.api('POST', '/api/v1/extensions', { body: { number: '1234', display_name: 'Reception' } }))
        .status,
    ).toBe(201);
    const ok = await app.api('POST', '/api/v1/inbound-routes', {
      body: { name: 'Main', did: '3225550123', destination: { type: 'extension', target: '1234' } },
    });
    expect(ok.status).toBe(201);
    const del = await app.api('DELETE', '/api/v1/extensions/1234');
    expect(del.status).toBe(409);
    expect(del.body.error.message).toContain('Main');
  });

  it('blocked callers take a pattern or "anonymous", nothing else', async () => {
    expect(
      (await app.api('POST', '/api/v1/blocked-callers', { body: { pattern: '_0900.', action: 'busy' } }))
        .status,
    ).toBe(201);
    expect(
      (await app.api('POST', '/api/v1/blocked-callers', { body: { pattern: 'anonymous' } })).status,
    ).toBe(201);
    expect((await app.api('POST', '/api/v1/blocked-callers', { body: { pattern: 'x;y' } })).status).toBe(400);
    const rev = await app.applied();
    expect(rev.status).toBe('succeeded');
    expect(await asteriskCli('dialplan show sb-blocklist')).toContain("'anonymous'");
  });

  it('an extension always keeps the emergency class, and international stays off by default', async () => {
    const res = await app.api('POST', '/api/v1/extensions', {
      body: { number: '1300', display_name: 'Lobby', classes: ['internal'] },
    });
    expect(res.body.classes).toEqual(['internal', 'emergency']);
    const def = await app.api('POST', '/api/v1/extensions', {
      body: { number: '1301', display_name: 'Desk' },
    });
    expect(def.body.classes).toEqual(['internal', 'local', 'national', 'emergency']);
    await app.applyNow();
    expect(await ariObject('endpoint', '1300')).toMatchObject({ context: 'sb-cos-i' });
  });
});
