import { type ApiResponse, useTestApp } from '../../test/support/app';
import { waitFor } from '../../test/support/asterisk';
import { snapshotConfig } from '../../test/support/config-files';
import { testEnv } from '../../test/support/env';
import { HOSTILE } from '../../test/support/hostile';
import { changesNothing } from '../../test/support/refusals';
import { registeredPhone, sipRegister } from '../../test/support/sip-register';

const app = useTestApp();
beforeAll(async () => {
  await app.applyNow();
});

function expectApiError(res: ApiResponse<any>, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.body).toEqual({ error: { code, message: expect.any(String), details: expect.any(Array) } });
  expect(res.text).not.toMatch(/at .*\.ts:\d+/); // never a stack trace
}

const valid = { number: '2001', display_name: 'Alice Example' };

describe('creating an extension', () => {
  it('answers 201 with a generated secret of at least 20 characters, shown only on creation', async () => {
    const res = await app.api('POST', '/api/v1/extensions', { body: valid });
    expect(res.status).toBe(201);
    expect(res.body.sip_secret).toMatch(/^[A-Za-z0-9]{20,}$/);
    expect(res.body).toMatchObject({
      number: '2001',
      display_name: 'Alice Example',
      codecs: ['ulaw', 'alaw', 'g722'],
      max_contacts: 1,
    });
    const read = await app.api('GET', '/api/v1/extensions/2001');
    expect(read.status).toBe(200);
    expect(read.body).not.toHaveProperty('sip_secret');
    expect(read.text).not.toContain(res.body.sip_secret);
    const reveal = await app.api('POST', '/api/v1/extensions/2001/reveal-secret');
    // The phone's provisioning: the secret with the auth username beside it (the suites' app
    // keeps the number as auth username, SIP_AUTH_USERNAME=number; test/e2e/sip-bans has random).
    expect(reveal.body).toEqual({ sip_secret: res.body.sip_secret, auth_username: '2001' });
  });

  it('answers 409 for a number already in use', async () => {
    expectApiError(await app.api('POST', '/api/v1/extensions', { body: valid }), 409, 'conflict');
  });

  it('keeps a secret the admin chose', async () => {
    const res = await app.api('POST', '/api/v1/extensions', {
      body: { number: '2002', display_name: 'Bob', sip_secret: 'chosen-Secret-123' },
    });
    expect(res.status).toBe(201);
    expect(res.body.sip_secret).toBe('chosen-Secret-123');
  });

  it('refuses a hand-set secret under 16 characters with a clear reason, and takes one of 16', async () => {
    const short = await app.api('POST', '/api/v1/extensions', {
      body: { number: '2003', display_name: 'Short', sip_secret: 'fifteen-chars15' },
    });
    expectApiError(short, 400, 'validation_failed');
    expect(short.body.error.details).toContainEqual({
      path: 'sip_secret',
      message: 'must be at least 16 characters',
    });
    expect((await app.api('GET', '/api/v1/extensions/2003')).status).toBe(404);
    const ok = await app.api('POST', '/api/v1/extensions', {
      body: { number: '2003', display_name: 'Sixteen', sip_secret: 'sixteen-chars-16' },
    });
    expect(ok.status).toBe(201);
  });

  it('authenticates a phone by the auth username an admin chose, not by the number, and refuses a taken one', async () => {
    const res = await app.api('POST', '/api/v1/extensions', {
      body: { number: '2004', display_name: 'Dora', auth_username: 'dora-desk.7f3a' },
    });
    expect(res.status).toBe(201);
    expect(res.body.auth_username).toBe('dora-desk.7f3a');
    await app.applied();
    const reg = { server: '127.0.0.1', port: testEnv.sipPort, user: '2004', password: res.body.sip_secret };
    expect(await sipRegister({ ...reg, authUser: 'dora-desk.7f3a' })).toBe(200);
    // The number is no longer a username anyone can authenticate as.
    expect(await sipRegister({ ...reg, authUser: '2004' })).toBe(401);
    expect(await sipRegister({ ...reg, authUser: 'dora-desk.7f3a', expires: 0 })).toBe(200);

    const taken = await app.api('PATCH', '/api/v1/extensions/2002', {
      body: { auth_username: 'dora-desk.7f3a' },
    });
    expectApiError(taken, 409, 'conflict');
    expect(taken.body.error.details).toEqual([
      { path: 'auth_username', message: 'already used by extension 2004' },
    ]);
    // Short as a number, or with a character that could break the config: 400.
    expectApiError(
      await app.api('PATCH', '/api/v1/extensions/2004', { body: { auth_username: '2001' } }),
      400,
      'validation_failed',
    );
    expectApiError(
      await app.api('PATCH', '/api/v1/extensions/2004', { body: { auth_username: 'x;y[z]' } }),
      400,
      'validation_failed',
    );
    expect((await app.api('GET', '/api/v1/extensions/2004')).body.auth_username).toBe('dora-desk.7f3a');
  });
});

describe('bad input is refused with 400 and changes nothing', () => {
  // Let the applies requested by earlier writes finish, so any later revision would be ours.
  beforeAll(async () => {
    await app.applyNow();
  });

  const fields: Array<[string, (v: string) => Record<string, unknown>]> = [
    ['number', (v) => ({ ...valid, number: v })],
    ['display_name', (v) => ({ ...valid, number: '2090', display_name: v })],
    ['caller_id_name', (v) => ({ ...valid, number: '2091', caller_id_name: v })],
    ['caller_id_number', (v) => ({ ...valid, number: '2092', caller_id_number: v })],
    ['email', (v) => ({ ...valid, number: '2093', email: `a${v}@example.com` })],
    ['sip_secret', (v) => ({ ...valid, number: '2094', sip_secret: `Abcdefghijkl${v}` })],
  ];
  const values = [...HOSTILE, ']', 'x'.repeat(10 * 1024), 'a,b', 'Bob"<1000>'];
  const cases = fields.flatMap(([field, make]) =>
    values.map((v) => [field, JSON.stringify(v).slice(0, 40), make(v)] as const),
  );

  it.each(cases)('%s = %s', async (field, _label, body) => {
    await app.settled();
    const before = snapshotConfig();
    const revisionsBefore = (await app.api('GET', '/api/v1/apply')).body.items.length;
    const res = await app.api('POST', '/api/v1/extensions', { body });
    expectApiError(res, 400, 'validation_failed');
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
    expect((await app.api('GET', '/api/v1/extensions?q=209')).body.items).toEqual([]);
    expect((await app.api('GET', '/api/v1/apply')).body.items.length).toBe(revisionsBefore);
    expect(snapshotConfig()).toEqual(before);
  });

  it.each([
    ['non-digits in the number', { ...valid, number: '20a1' }, 'number'],
    ['a number outside the range', { ...valid, number: '99999' }, 'number'],
    ['a number with a leading zero', { ...valid, number: '0201' }, 'number'],
    ['max_contacts as text', { ...valid, number: '2095', max_contacts: '3' }, 'max_contacts'],
    ['an unknown codec', { ...valid, number: '2096', codecs: ['ulaw', 'evil;codec'] }, 'codecs.1'],
    ['an unknown field', { ...valid, number: '2097', context: 'default' }, '(body)'],
    ['an empty display name', { ...valid, number: '2098', display_name: '   ' }, 'display_name'],
  ])('refuses %s', async (_name, body, path) => {
    const res = await changesNothing(app, () => app.api('POST', '/api/v1/extensions', { body }));
    expectApiError(res, 400, 'validation_failed');
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
  });

  it('refuses malformed JSON with 400 in the API error format', async () => {
    const res = await app.api('POST', '/api/v1/extensions', {
      body: '{"number":',
      contentType: 'application/json',
    });
    expectApiError(res, 400, 'validation_failed');
  });

  it('refuses a hostile value on update and keeps the stored one', async () => {
    const res = await app.api('PATCH', '/api/v1/extensions/2001', { body: { display_name: 'x\n[evil]' } });
    expectApiError(res, 400, 'validation_failed');
    expect((await app.api('GET', '/api/v1/extensions/2001')).body.display_name).toBe('Alice Example');
  });
});

describe('authorisation by role', () => {
  it('answers 401 without credentials and with a bad token', async () => {
    expectApiError(await app.api('GET', '/api/v1/extensions', { token: null }), 401, 'unauthenticated');
    expectApiError(
      await app.api('GET', '/api/v1/extensions', { token: 'sb_not-a-real-token' }),
      401,
      'unauthenticated',
    );
  });

  it('answers 403 when a user-role token creates an extension, and creates nothing', async () => {
    const res = await app.api('POST', '/api/v1/extensions', {
      token: app.tokens.user,
      body: { ...valid, number: '2099' },
    });
    expectApiError(res, 403, 'forbidden');
    expect((await app.api('GET', '/api/v1/extensions/2099')).status).toBe(404);
  });

  it('lets a supervisor read extensions but not change them or reveal secrets', async () => {
    expect((await app.api('GET', '/api/v1/extensions', { token: app.tokens.supervisor })).status).toBe(200);
    expectApiError(
      await app.api('PATCH', '/api/v1/extensions/2001', {
        token: app.tokens.supervisor,
        body: { display_name: 'X' },
      }),
      403,
      'forbidden',
    );
    expectApiError(
      await app.api('POST', '/api/v1/extensions/2001/reveal-secret', { token: app.tokens.supervisor }),
      403,
      'forbidden',
    );
  });

  it('keeps users out of the extension list and the apply history', async () => {
    expectApiError(await app.api('GET', '/api/v1/extensions', { token: app.tokens.user }), 403, 'forbidden');
    expectApiError(await app.api('POST', '/api/v1/apply', { token: app.tokens.user }), 403, 'forbidden');
  });
});

describe('listing', () => {
  beforeAll(async () => {
    for (const n of ['3005', '3001', '3003', '3002', '3004']) {
      expect(
        (await app.api('POST', '/api/v1/extensions', { body: { number: n, display_name: `Pager ${n}` } }))
          .status,
      ).toBe(201);
    }
  });

  it('pages with a cursor in number order and counts the matches', async () => {
    const first = await app.api('GET', '/api/v1/extensions?q=Pager&limit=2');
    expect(first.body.items.map((e: { number: string }) => e.number)).toEqual(['3001', '3002']);
    expect(first.body.total).toBe(5);
    const second = await app.api(
      'GET',
      `/api/v1/extensions?q=Pager&limit=2&cursor=${first.body.next_cursor}`,
    );
    expect(second.body.items.map((e: { number: string }) => e.number)).toEqual(['3003', '3004']);
    const third = await app.api(
      'GET',
      `/api/v1/extensions?q=Pager&limit=2&cursor=${second.body.next_cursor}`,
    );
    expect(third.body.items.map((e: { number: string }) => e.number)).toEqual(['3005']);
    expect(third.body.next_cursor).toBeNull();
  });

  it('includes the live registration state from Asterisk', async () => {
    await app.applyNow();
    const res = await app.api('GET', '/api/v1/extensions?q=3001');
    expect(res.body.items[0].registration).toEqual({ state: 'offline', contacts: [] });
  });

  it('shows a registered phone online with its contact and user agent', async () => {
    const secret = (await app.api('POST', '/api/v1/extensions/3001/reveal-secret')).body.sip_secret;
    const port = 24000 + Math.floor(Math.random() * 1000);
    const reg = {
      server: '127.0.0.1',
      port: testEnv.sipPort,
      user: '3001',
      password: secret,
      localPort: port,
    };
    // Contacts are learnt from ARI events: the event websocket must be up before the phone registers.
    await waitFor('the ARI event connection', async () => app.sb.deps.ari.connected);
    await app.applyNow();
    const phone = await registeredPhone({ ...reg, userAgent: 'Yealink SIP-T46U 66.86' });
    expect(phone.status).toBe(200);
    try {
      const res = await waitFor('the contact', async () => {
        const r = await app.api('GET', '/api/v1/extensions/3001');
        return (
          r.body.registration.state === 'online' &&
          r.body.registration.contacts[0]?.status === 'Reachable' &&
          r
        );
      });
      expect(res.body.registration).toEqual({
        state: 'online',
        contacts: [
          {
            uri: `sip:3001@127.0.0.1:${port}`,
            status: 'Reachable',
            user_agent: 'Yealink SIP-T46U 66.86',
            via_address: '127.0.0.1',
          },
        ],
      });
    } finally {
      phone.close();
      expect(await sipRegister({ ...reg, expires: 0 })).toBe(200);
    }
  });

  it('refuses a bad limit or cursor with 400', async () => {
    expectApiError(await app.api('GET', '/api/v1/extensions?limit=0'), 400, 'validation_failed');
    expectApiError(await app.api('GET', "/api/v1/extensions?cursor=1'%20OR%201=1"), 400, 'validation_failed');
  });
});

describe('updating and deleting', () => {
  it('replaces with PUT, changes with PATCH, and answers 404 for an unknown number', async () => {
    const put = await app.api('PUT', '/api/v1/extensions/2002', {
      body: { display_name: 'Robert', email: 'rob@example.com', codecs: ['alaw'] },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ display_name: 'Robert', email: 'rob@example.com', codecs: ['alaw'] });
    const patch = await app.api('PATCH', '/api/v1/extensions/2002', {
      body: { caller_id_number: '+3225550199' },
    });
    expect(patch.body).toMatchObject({ display_name: 'Robert', caller_id_number: '+3225550199' });
    expectApiError(
      await app.api('PATCH', '/api/v1/extensions/2999', { body: { display_name: 'X' } }),
      404,
      'not_found',
    );
  });

  it('deletes an extension and answers 404 afterwards', async () => {
    expect((await app.api('DELETE', '/api/v1/extensions/2002')).status).toBe(204);
    expectApiError(await app.api('GET', '/api/v1/extensions/2002'), 404, 'not_found');
    expectApiError(await app.api('DELETE', '/api/v1/extensions/2002'), 404, 'not_found');
  });
});

describe('OpenAPI', () => {
  it('documents every extension operation from the validating schemas', async () => {
    const res = await app.api('GET', '/api/v1/openapi.json', { token: null });
    expect(res.status).toBe(200);
    const ops = res.body.paths['/api/v1/extensions/'];
    expect(Object.keys(ops).sort()).toEqual(['get', 'post']);
    expect(ops.post.requestBody.content['application/json'].schema.properties.display_name).toBeDefined();
    expect(res.body.paths['/api/v1/extensions/{number}'].patch).toBeDefined();
  });
});
