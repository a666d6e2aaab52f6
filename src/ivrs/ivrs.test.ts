import { useTestApp } from '../../test/support/app';
import { asteriskCli } from '../../test/support/asterisk';
import { HOSTILE, labelled } from '../../test/support/hostile';
import { changesNothing, errorPaths, refusedPost } from '../../test/support/refusals';
import { signIn } from '../../test/support/web';

// IVR menus and announcements through the REST API on a real MariaDB and a real Asterisk:
// validation, what reaches the dialplan, and referential integrity with inbound routes, other
// menus and greetings.

const app = useTestApp({ APPLY_DEBOUNCE_MS: '300' });
let prompt: number;
let sorry: number;

const hangup = { type: 'hangup', target: '' };
const ext = (n: string) => ({ type: 'extension', target: n });
const base = () => ({
  name: 'Main menu',
  prompt_greeting_id: prompt,
  options: [
    { digit: '1', destination: ext('1001') },
    { digit: '2', destination: ext('1002') },
  ],
  invalid_destination: hangup,
});

async function greeting(name: string, text: string): Promise<number> {
  const res = await app.api('POST', '/api/v1/greetings', {
    body: { name, default_language: 'en', tts_text: text },
  });
  if (res.status !== 201) throw new Error(`greeting ${name}: ${res.status} ${res.text}`);
  return res.body.id as number;
}

async function ivrCount(): Promise<number> {
  return (await app.api('GET', '/api/v1/ivrs')).body.items.length;
}

beforeAll(async () => {
  for (const number of ['1001', '1002']) {
    const res = await app.api('POST', '/api/v1/extensions', {
      body: { number, display_name: `Ext ${number}` },
    });
    expect(res.status).toBe(201);
  }
  prompt = await greeting('Menu prompt', 'Press 1 for sales, 2 for support.');
  sorry = await greeting('Sorry', 'Sorry, I did not get that.');
  await app.applyNow();
}, 120_000);

describe('IVR menus', () => {
  let mainId: number;

  it('creates a menu with defaults and renders it as dialplan Asterisk loads: prompt, keys, retries', async () => {
    const res = await app.api('POST', '/api/v1/ivrs', {
      body: { ...base(), retry_greeting_id: sorry, repeat_digit: '*' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'Main menu',
      prompt_greeting_id: prompt,
      direct_dial: false,
      repeat_digit: '*',
      timeout_seconds: 5,
      max_retries: 2,
      retry_greeting_id: sorry,
      invalid_destination: hangup,
      options: [
        { digit: '1', destination: ext('1001') },
        { digit: '2', destination: ext('1002') },
      ],
    });
    mainId = res.body.id;
    const rev = await app.applied();
    expect(rev.status).toBe('succeeded');
    const plan = await asteriskCli(`dialplan show sb-ivr-${mainId}`);
    expect(plan).toContain(`Background(switchboard/greeting-${prompt})`);
    expect(plan).toContain(`Background(switchboard/greeting-${sorry})`);
    expect(plan).toContain('Goto(sb-dest-extension,1002,1)');
    expect(plan).toContain('WaitExten(5)');
    expect(await asteriskCli('dialplan show sb-dest-ivr')).toContain(`Goto(sb-ivr-${mainId},s,1)`);
  });

  it('replaces a menu with PUT: a removed option is gone from the dialplan', async () => {
    const res = await app.api('PUT', `/api/v1/ivrs/${mainId}`, {
      body: { ...base(), options: [{ digit: '#', destination: ext('1002') }], timeout_seconds: 7 },
    });
    expect(res.status).toBe(200);
    expect(res.body.options).toEqual([{ digit: '#', destination: ext('1002'), language: null }]);
    await app.applyNow();
    const plan = await asteriskCli(`dialplan show sb-ivr-${mainId}`);
    expect(plan).toContain("'#' =>");
    expect(plan).not.toContain('Goto(sb-dest-extension,1001,1)');
    expect(plan).toContain('WaitExten(7)');
    expect((await app.api('GET', `/api/v1/ivrs/${mainId}`)).body.timeout_seconds).toBe(7);
  });

  it.each([
    ['a two-digit key', { options: [{ digit: '10', destination: hangup }] }, 'options.0.digit'],
    ['a letter key', { options: [{ digit: 'a', destination: hangup }] }, 'options.0.digit'],
    ['an empty key', { options: [{ digit: '', destination: hangup }] }, 'options.0.digit'],
    ['a numeric key', { options: [{ digit: 1, destination: hangup }] }, 'options.0.digit'],
    [
      'the same key twice',
      {
        options: [
          { digit: '3', destination: hangup },
          { digit: '3', destination: ext('1001') },
        ],
      },
      'options.1.digit',
    ],
    ['a repeat key that is also an option', { repeat_digit: '1' }, 'repeat_digit'],
    ['a repeat key of two digits', { repeat_digit: '11' }, 'repeat_digit'],
    ['a timeout of 0', { timeout_seconds: 0 }, 'timeout_seconds'],
    ['a timeout of 61 s', { timeout_seconds: 61 }, 'timeout_seconds'],
    ['a fractional timeout', { timeout_seconds: 2.5 }, 'timeout_seconds'],
    ['6 retries', { max_retries: 6 }, 'max_retries'],
    ['-1 retries', { max_retries: -1 }, 'max_retries'],
    [
      '13 options',
      { options: [...'0123456789*#0'].map((digit) => ({ digit, destination: hangup })) },
      'options',
    ],
    ['no final destination', { invalid_destination: undefined }, 'invalid_destination'],
    [
      'an unknown destination type',
      { invalid_destination: { type: 'fax', target: '1' } },
      'invalid_destination.type',
    ],
    ['an extra field', { context: 'from-internal' }, '(body)'],
    ['a greeting id that is text', { prompt_greeting_id: '1;x' }, 'prompt_greeting_id'],
    ['direct dial with key 1, the first digit of every extension', { direct_dial: true }, 'options.0.digit'],
    ['direct dial with repeat key 5', { direct_dial: true, options: [], repeat_digit: '5' }, 'repeat_digit'],
  ])('refuses %s with 400 naming the field, and changes nothing', async (_what, patch, field) => {
    const res = await refusedPost(
      app,
      '/api/v1/ivrs',
      { ...base(), name: 'Refused', ...patch },
      ivrCount,
      400,
    );
    if (field === '(body)') expect(res.body.error.code).toBe('validation_failed');
    else expect(errorPaths(res)).toContain(field);
  });

  it('explains why direct dial and a key that starts extension numbers cannot go together', async () => {
    const res = await app.api('POST', '/api/v1/ivrs', { body: { ...base(), name: 'DD', direct_dial: true } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/ambiguous.*extension numbers/);
    const ok = await app.api('POST', '/api/v1/ivrs', {
      body: {
        ...base(),
        name: 'Direct dial',
        direct_dial: true,
        options: [{ digit: '0', destination: ext('1001') }],
        repeat_digit: '#',
      },
    });
    expect(ok.status).toBe(201);
    await app.applyNow();
    const plan = await asteriskCli(`dialplan show sb-ivr-${ok.body.id}`);
    expect(plan).toContain('Set(SB_TARGET=${FILTER(0-9,${EXTEN})})');
    expect(plan).toMatch(/'_\[1-9\]XXX' =>/);
  });

  const hostileValues = [...HOSTILE, 'a,b', '"quoted"', 'x'.repeat(81)];
  it.each(labelled(hostileValues))('refuses the name %s with 400 and no change', async (_label, value) => {
    const res = await changesNothing(
      app,
      () => app.api('POST', '/api/v1/ivrs', { body: { ...base(), name: value } }),
      ivrCount,
    );
    expect(res.status).toBe(400);
    expect(errorPaths(res)).toContain('name');
  });

  it.each([
    [
      'an option destination',
      { options: [{ digit: '0', destination: { type: 'extension', target: '1;x' } }] },
      'options.0.destination.target',
    ],
    [
      'a final destination',
      { invalid_destination: { type: 'external', target: '${SHELL(id)}' } },
      'invalid_destination.target',
    ],
    ['a menu target', { invalid_destination: { type: 'ivr', target: '1,2' } }, 'invalid_destination.target'],
    ['a repeat key', { repeat_digit: '\n' }, 'repeat_digit'],
  ])('refuses an injection string in %s with 400', async (_what, patch, field) => {
    const res = await changesNothing(app, () =>
      app.api('POST', '/api/v1/ivrs', { body: { ...base(), name: 'Hostile', ...patch } }),
    );
    expect(res.status).toBe(400);
    expect(errorPaths(res)).toContain(field);
  });

  it.each([
    [
      'a missing extension',
      { options: [{ digit: '0', destination: ext('1999') }] },
      'options.0.destination.target',
    ],
    [
      'a missing menu',
      { invalid_destination: { type: 'ivr', target: '99999' } },
      'invalid_destination.target',
    ],
    [
      'a missing announcement',
      { invalid_destination: { type: 'announcement', target: '5' } },
      'invalid_destination.target',
    ],
    ['a missing prompt greeting', { prompt_greeting_id: 99999 }, 'prompt_greeting_id'],
    ['a missing retry greeting', { retry_greeting_id: 99999 }, 'retry_greeting_id'],
  ])('answers 422 for %s, before anything is saved', async (_what, patch, field) => {
    const res = await refusedPost(
      app,
      '/api/v1/ivrs',
      { ...base(), name: 'Dangling', ...patch },
      ivrCount,
      422,
    );
    expect(errorPaths(res)).toContain(field);
  });

  it('refuses a second menu with the same name (409)', async () => {
    const res = await app.api('POST', '/api/v1/ivrs', { body: base() });
    expect(res.status).toBe(409);
  });

  it('only an admin may change menus; a supervisor may read them', async () => {
    expect((await app.api('GET', '/api/v1/ivrs', { token: app.tokens.supervisor })).status).toBe(200);
    expect(
      (await app.api('POST', '/api/v1/ivrs', { body: base(), token: app.tokens.supervisor })).status,
    ).toBe(403);
    expect((await app.api('GET', '/api/v1/ivrs', { token: app.tokens.user })).status).toBe(403);
  });

  it('documents the operations in the OpenAPI document', async () => {
    const doc = (await app.api('GET', '/api/v1/openapi.json')).body;
    const keys = Object.keys(doc.paths).join(' ');
    expect(keys).toMatch(/\/api\/v1\/ivrs/);
    expect(keys).toMatch(/\/api\/v1\/announcements/);
  });
});

describe('referential integrity', () => {
  let parent: number;
  let child: number;
  let routeId: number;

  beforeAll(async () => {
    const c = await app.api('POST', '/api/v1/ivrs', {
      body: { ...base(), name: 'Support submenu', prompt_greeting_id: null, retry_greeting_id: sorry },
    });
    expect(c.status).toBe(201);
    child = c.body.id;
    const p = await app.api('POST', '/api/v1/ivrs', {
      body: {
        ...base(),
        name: 'Top menu',
        options: [
          { digit: '1', destination: ext('1001') },
          { digit: '2', destination: { type: 'ivr', target: String(child) } },
        ],
      },
    });
    expect(p.status).toBe(201);
    parent = p.body.id;
    const r = await app.api('POST', '/api/v1/inbound-routes', {
      body: { name: 'Main DID', did: '3225550100', destination: { type: 'ivr', target: String(parent) } },
    });
    expect(r.status).toBe(201);
    routeId = r.body.id;
  });

  it('refuses to delete a menu an inbound route leads to: 409 naming the route', async () => {
    const res = await app.api('DELETE', `/api/v1/ivrs/${parent}`);
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain('inbound route "Main DID"');
    expect((await app.api('GET', `/api/v1/ivrs/${parent}`)).status).toBe(200);
  });

  it('refuses to delete a nested menu its parent leads to: 409 naming the parent and the key', async () => {
    const res = await app.api('DELETE', `/api/v1/ivrs/${child}`);
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain('IVR "Top menu" (option 2)');
  });

  it('refuses to delete a greeting a menu plays: 409 naming the menu', async () => {
    const res = await app.api('DELETE', `/api/v1/greetings/${sorry}`);
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain('IVR "Support submenu" (retry prompt)');
    const used = (await app.api('GET', `/api/v1/greetings/${prompt}`)).body.used_by;
    expect(used.map((u: { name: string }) => u.name)).toContain('Top menu');
  });

  it('refuses a menu whose final destination is itself (422), but accepts a key back to itself', async () => {
    const self = { type: 'ivr', target: String(child) };
    const loop = await app.api('PUT', `/api/v1/ivrs/${child}`, {
      body: { ...base(), name: 'Support submenu', invalid_destination: self },
    });
    expect(loop.status).toBe(422);
    const back = await app.api('PUT', `/api/v1/ivrs/${child}`, {
      body: { ...base(), name: 'Support submenu', options: [{ digit: '9', destination: self }] },
    });
    expect(back.status).toBe(200);
  });

  it('deletes the menus once nothing leads to them; a key back to itself does not block', async () => {
    expect((await app.api('DELETE', `/api/v1/inbound-routes/${routeId}`)).status).toBe(204);
    expect((await app.api('DELETE', `/api/v1/ivrs/${parent}`)).status).toBe(204);
    expect((await app.api('DELETE', `/api/v1/ivrs/${child}`)).status).toBe(204);
    expect((await app.api('GET', `/api/v1/ivrs/${child}`)).status).toBe(404);
    expect((await app.api('DELETE', `/api/v1/ivrs/${child}`)).status).toBe(404);
    // The deletes' own apply may already have run: either way Asterisk no longer has the menus.
    await app.applied();
    expect(await asteriskCli('dialplan show sb-dest-ivr')).not.toContain(`sb-ivr-${parent},`);
  });
});

describe('announcements', () => {
  let id: number;

  it('creates an announcement: plays its greeting, then goes to its destination', async () => {
    const res = await app.api('POST', '/api/v1/announcements', {
      body: { name: 'Welcome', greeting_id: prompt, destination: ext('1001') },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'Welcome', greeting_id: prompt, destination: ext('1001') });
    id = res.body.id;
    await app.applyNow();
    const plan = await asteriskCli(`dialplan show sb-announcement-${id}`);
    expect(plan).toContain(`Playback(switchboard/greeting-${prompt})`);
    expect(plan).toContain('Goto(sb-dest-extension,1001,1)');
    expect((await app.api('GET', '/api/v1/announcements')).body.items).toHaveLength(1);
  });

  it('updates it, and refuses a destination that leads back to itself', async () => {
    const res = await app.api('PUT', `/api/v1/announcements/${id}`, {
      body: { name: 'Welcome', greeting_id: sorry, destination: hangup },
    });
    expect(res.status).toBe(200);
    expect(res.body.greeting_id).toBe(sorry);
    const loop = await app.api('PUT', `/api/v1/announcements/${id}`, {
      body: {
        name: 'Welcome',
        greeting_id: sorry,
        destination: { type: 'announcement', target: String(id) },
      },
    });
    expect(loop.status).toBe(422);
  });

  it.each([
    ['a hostile name', { name: '${SHELL(id)}' }, 400, 'name'],
    ['a missing greeting', { greeting_id: 99999 }, 422, 'greeting_id'],
    ['a missing destination', { destination: ext('1999') }, 422, 'destination.target'],
    ['no greeting', { greeting_id: undefined }, 400, 'greeting_id'],
  ])('refuses %s', async (_what, patch, status, field) => {
    const res = await changesNothing(app, () =>
      app.api('POST', '/api/v1/announcements', {
        body: { name: 'Other', greeting_id: prompt, destination: hangup, ...patch },
      }),
    );
    expect(res.status).toBe(status);
    expect(errorPaths(res)).toContain(field);
  });

  it('refuses to delete an announcement a menu leads to, and its greeting; then deletes it', async () => {
    const menu = await app.api('POST', '/api/v1/ivrs', {
      body: {
        ...base(),
        name: 'After hours',
        invalid_destination: { type: 'announcement', target: String(id) },
      },
    });
    expect(menu.status).toBe(201);
    const del = await app.api('DELETE', `/api/v1/announcements/${id}`);
    expect(del.status).toBe(409);
    expect(del.body.error.message).toContain('IVR "After hours" (invalid/timeout)');
    const g = await app.api('DELETE', `/api/v1/greetings/${sorry}`);
    expect(g.status).toBe(409);
    expect(g.body.error.message).toContain('announcement "Welcome" (greeting)');
    expect((await app.api('DELETE', `/api/v1/ivrs/${menu.body.id}`)).status).toBe(204);
    expect((await app.api('DELETE', `/api/v1/announcements/${id}`)).status).toBe(204);
    expect((await app.api('GET', `/api/v1/announcements/${id}`)).status).toBe(404);
    await app.applyNow();
    expect(await asteriskCli('dialplan show sb-dest-announcement')).not.toContain(`sb-announcement-${id},`);
  });
});

describe('IVR menus and announcements in the web UI', () => {
  const form = () => ({
    name: 'Web menu',
    prompt_greeting_id: String(prompt),
    // Row 0 left empty: rows without a key are skipped.
    option_0_digit: '',
    option_1_digit: '1',
    option_1_destination: 'extension:1001',
    option_2_digit: '2',
    option_2_destination: 'external:',
    option_2_destination_external: '+3225550199',
    repeat_digit: '*',
    timeout_seconds: '4',
    max_retries: '1',
    retry_greeting_id: '',
    invalid_destination: 'hangup:',
  });

  it('builds a menu with two keys from the form and lists it', async () => {
    const s = await signIn(app, 'admin', 'admin-password-1', '/ivrs');
    const blank = await s.text('/ivrs/new');
    for (const id of [
      'name',
      'prompt_greeting_id',
      'option_0_digit',
      'option_0_destination',
      'invalid_destination',
    ])
      expect(blank).toContain(`id="${id}"`);
    const res = await s.post('/ivrs', form());
    expect(res.status).toBe(303);
    const row = await app.sb.deps.db('ivrs').where({ name: 'Web menu' }).first();
    const api = (await app.api('GET', `/api/v1/ivrs/${row.id}`)).body;
    expect(api).toMatchObject({
      prompt_greeting_id: prompt,
      options: [
        { digit: '1', destination: ext('1001') },
        { digit: '2', destination: { type: 'external', target: '+3225550199' } },
      ],
      repeat_digit: '*',
      timeout_seconds: 4,
      max_retries: 1,
      retry_greeting_id: null,
      invalid_destination: hangup,
    });
    const list = await s.text('/ivrs');
    expect(list).toContain('Web menu');
    expect(list).toContain('external number +3225550199');
    const edit = await s.text(`/ivrs/${row.id}/edit`);
    expect(edit).toMatch(/<option value="extension:1001"\s+selected/);
  });

  it('re-displays a refused form with the error beside the row that caused it, and saves nothing', async () => {
    const s = await signIn(app, 'admin', 'admin-password-1', '/ivrs');
    const res = await s.post('/ivrs', { ...form(), name: 'Dup keys', option_2_digit: '1' });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toMatch(/id="option_2_digit"[\s\S]*?digit 1 is already used/);
    expect(await app.sb.deps.db('ivrs').where({ name: 'Dup keys' }).first()).toBeUndefined();
    const hostile = await s.post('/ivrs', { ...form(), name: '[x]\n#include' });
    expect(hostile.status).toBe(400);
  });

  it('refuses to delete a menu in use from the list page, with the reason', async () => {
    const s = await signIn(app, 'admin', 'admin-password-1', '/ivrs');
    const id = (await app.sb.deps.db('ivrs').where({ name: 'Web menu' }).first()).id;
    const ann = await s.post('/announcements', {
      name: 'Web welcome',
      greeting_id: String(prompt),
      destination: `ivr:${id}`,
    });
    expect(ann.status).toBe(303);
    expect(await s.text('/announcements')).toContain('Web welcome');
    const refused = await s.post(`/ivrs/${id}/delete`, {});
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain('announcement &quot;Web welcome&quot;');
    const annId = (await app.sb.deps.db('announcements').where({ name: 'Web welcome' }).first()).id;
    expect((await s.post(`/announcements/${annId}/delete`, {})).status).toBe(303);
    expect((await s.post(`/ivrs/${id}/delete`, {})).status).toBe(303);
  });
});
