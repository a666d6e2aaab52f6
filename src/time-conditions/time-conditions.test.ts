import { useTestApp } from '../../test/support/app';
import { asteriskCli } from '../../test/support/asterisk';
import { HOSTILE, labelled } from '../../test/support/hostile';
import { changesNothing, errorPaths, refusedPost, rowCount } from '../../test/support/refusals';
import { signIn } from '../../test/support/web';

const app = useTestApp({ APPLY_DEBOUNCE_MS: '300' });

const valid = {
  name: 'Office hours',
  timezone: 'Europe/Brussels',
  weekly: [
    { day: 'mon', start: '09:00', end: '12:30' },
    { day: 'mon', start: '13:30', end: '17:00' },
  ],
  holidays: [
    { name: 'Winter break', start: '2025-12-24', end: '2026-01-02', yearly: true },
    { name: 'Move', start: '2026-03-02' },
  ],
  open_destination: { type: 'extension', target: '1001' },
  closed_destination: { type: 'hangup' },
  pin: '2468',
};

const count = () => rowCount(app, 'time_conditions');

beforeAll(async () => {
  const ext = await app.api('POST', '/api/v1/extensions', {
    body: { number: '1001', display_name: 'Reception' },
  });
  expect(ext.status).toBe(201);
  await app.applyNow();
});

describe('time conditions API', () => {
  let id: number;

  it('creates one (201), never returns the PIN or its hash, and Asterisk gets its dialplan', async () => {
    const res = await app.api('POST', '/api/v1/time-conditions', { body: valid });
    expect(res.status).toBe(201);
    id = res.body.id;
    expect(res.body).toMatchObject({
      name: 'Office hours',
      timezone: 'Europe/Brussels',
      override: 'auto',
      pin_set: true,
      feature_code: `*28${id}`,
      holidays: [
        { name: 'Winter break', start: '2025-12-24', end: '2026-01-02', yearly: true },
        { name: 'Move', start: '2026-03-02', end: '2026-03-02', yearly: false },
      ],
      status: { open: expect.any(Boolean), reason: expect.any(String) },
    });
    expect(res.text).not.toContain('2468');
    expect(res.text).not.toContain('argon2');
    const stored = await app.sb.deps.db('time_conditions').where({ id }).first();
    expect(stored.override_pin_hash).toMatch(/^\$argon2id\$/);
    const rev = await app.applied();
    expect(rev.status).toBe('succeeded');
    const dialplan = await asteriskCli(`dialplan show s@sb-tc-${id}`);
    expect(dialplan).toContain('GotoIfTime(09:00-12:29,mon,*,*,Europe/Brussels?open)');
    expect(dialplan).toContain('${SB_TC_MD} >= 11224 | ${SB_TC_MD} <= 10102');
    expect(await asteriskCli(`dialplan show ${id}@sb-dest-time-condition`)).toContain(
      `Goto(sb-tc-${id},s,1)`,
    );
  });

  it('the override forces the dialplan and records who and how; automatic restores the schedule', async () => {
    const forced = await app.api('PUT', `/api/v1/time-conditions/${id}/override`, {
      body: { mode: 'closed' },
    });
    expect(forced.status).toBe(200);
    expect(forced.body).toMatchObject({
      override: 'closed',
      override_by: 'admin',
      override_via: 'api',
      status: { open: false, reason: 'forced closed by the manual override' },
    });
    await app.applyNow();
    expect(await asteriskCli(`dialplan show s@sb-tc-${id}`)).toContain('Goto(closed)');
    const supervisor = await app.api('PUT', `/api/v1/time-conditions/${id}/override`, {
      body: { mode: 'auto' },
      token: app.tokens.supervisor,
    });
    expect(supervisor.status).toBe(200);
    expect(supervisor.body.override_by).toBe('super');
    await app.applyNow();
    expect(await asteriskCli(`dialplan show s@sb-tc-${id}`)).not.toContain('Goto(closed)');
    const user = await app.api('PUT', `/api/v1/time-conditions/${id}/override`, {
      body: { mode: 'open' },
      token: app.tokens.user,
    });
    expect(user.status).toBe(403);
    const bad = await app.api('PUT', `/api/v1/time-conditions/${id}/override`, { body: { mode: 'maybe' } });
    expect(bad.status).toBe(400);
  });

  it('PUT without pin keeps the PIN; pin null removes it', async () => {
    const { pin: _pin, ...noPin } = valid;
    const kept = await app.api('PUT', `/api/v1/time-conditions/${id}`, { body: noPin });
    expect(kept.status).toBe(200);
    expect(kept.body.pin_set).toBe(true);
    const removed = await app.api('PUT', `/api/v1/time-conditions/${id}`, { body: { ...noPin, pin: null } });
    expect(removed.body.pin_set).toBe(false);
    const set = await app.api('PUT', `/api/v1/time-conditions/${id}/pin`, { body: { pin: '97531' } });
    expect(set.status).toBe(204);
    expect((await app.api('GET', `/api/v1/time-conditions/${id}`)).body.pin_set).toBe(true);
  });

  const refusals: Array<[string, Record<string, unknown>, string]> = [
    [
      'a date that does not exist (30 February)',
      { holidays: [{ name: 'x', start: '2026-02-30' }] },
      'holidays.0.start',
    ],
    ['month 13', { holidays: [{ name: 'x', start: '2026-13-01' }] }, 'holidays.0.start'],
    ['a date in another format', { holidays: [{ name: 'x', start: '01/05/2026' }] }, 'holidays.0.start'],
    [
      'a holiday ending before it starts',
      { holidays: [{ name: 'x', start: '2026-05-02', end: '2026-05-01' }] },
      'holidays.0.end',
    ],
    [
      'a yearly holiday of a year or more',
      { holidays: [{ name: 'x', start: '2026-01-01', end: '2027-01-01', yearly: true }] },
      'holidays.0.end',
    ],
    ['a reversed weekly range', { weekly: [{ day: 'tue', start: '17:00', end: '09:00' }] }, 'weekly.0.end'],
    ['an empty weekly range', { weekly: [{ day: 'tue', start: '09:00', end: '09:00' }] }, 'weekly.0.end'],
    [
      'overlapping ranges on one day',
      {
        weekly: [
          { day: 'wed', start: '09:00', end: '12:00' },
          { day: 'wed', start: '11:00', end: '14:00' },
        ],
      },
      'weekly.1',
    ],
    ['a time that is no time', { weekly: [{ day: 'tue', start: '9:00', end: '25:00' }] }, 'weekly.0.start'],
    ['an unknown day', { weekly: [{ day: 'funday', start: '09:00', end: '10:00' }] }, 'weekly.0.day'],
    ['a path as time zone', { timezone: 'Europe/../../etc/passwd' }, 'timezone'],
    ['an unknown time zone', { timezone: 'Mars/Olympus_Mons' }, 'timezone'],
    ['a time zone with an argument separator', { timezone: 'UTC,evil' }, 'timezone'],
    ['a time zone with a newline', { timezone: 'Europe/Brussels\n' }, 'timezone'],
    ['a short PIN', { pin: '123' }, 'pin'],
    ['a PIN with letters', { pin: '12a4' }, 'pin'],
    ['an 11-digit PIN', { pin: '12345678901' }, 'pin'],
    ['a PIN as a number', { pin: 2468 }, 'pin'],
    ['an unknown field', { context: 'default' }, '(body)'],
    ['an override that is not a mode', { override: 'sometimes' }, 'override'],
  ];

  it.each(refusals)('refuses %s with 400, no row and no config change', async (_what, patch, path) => {
    const body = { ...valid, name: 'Refused', ...patch };
    const res = await refusedPost(app, '/api/v1/time-conditions', body, count, 400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(errorPaths(res)).toContain(path);
  });

  const hostile = [...HOSTILE, '${EXTEN}', 'a,b', 'x'.repeat(200)];
  it.each(labelled(hostile))(
    'refuses the injection %s in names, holiday names, dates and the time zone',
    async (_label, v) => {
      const refuseAll = async () => {
        for (const [patch, path] of [
          [{ name: v }, 'name'],
          [{ name: `Office ${v}` }, 'name'],
          [{ holidays: [{ name: v, start: '2026-05-01' }] }, 'holidays.0.name'],
          [{ holidays: [{ name: 'x', start: `2026-05-01${v}` }] }, 'holidays.0.start'],
          [{ weekly: [{ day: 'mon', start: `09:00${v}`, end: '10:00' }] }, 'weekly.0.start'],
          [{ timezone: `Europe/Brussels${v}` }, 'timezone'],
          [{ pin: `1234${v}` }, 'pin'],
        ] as const) {
          const res = await app.api('POST', '/api/v1/time-conditions', { body: { ...valid, ...patch } });
          expect([res.status, path]).toEqual([400, path]);
          expect(errorPaths(res)).toContain(path);
        }
      };
      await changesNothing(app, refuseAll, count);
    },
  );

  it('refuses a destination that does not exist with 422', async () => {
    const res = await app.api('POST', '/api/v1/time-conditions', {
      body: { ...valid, name: 'Dangling', closed_destination: { type: 'time-condition', target: '9999' } },
    });
    expect(res.status).toBe(422);
    expect(errorPaths(res)).toContain('closed_destination.target');
  });

  it('refuses, with 422, time conditions that would send a call round in a loop', async () => {
    const second = await app.api('POST', '/api/v1/time-conditions', {
      body: { ...valid, name: 'Second', closed_destination: { type: 'time-condition', target: String(id) } },
    });
    expect(second.status).toBe(201);
    const loop = await app.api('PUT', `/api/v1/time-conditions/${id}`, {
      body: { ...valid, closed_destination: { type: 'time-condition', target: String(second.body.id) } },
    });
    expect(loop.status).toBe(422);
    expect((await app.api('GET', `/api/v1/time-conditions/${id}`)).body.closed_destination).toEqual({
      type: 'hangup',
      target: '',
    });
    expect((await app.api('DELETE', `/api/v1/time-conditions/${second.body.id}`)).status).toBe(204);
  });

  it('refuses to delete a time condition an inbound route uses (409 naming the route), then deletes it once free', async () => {
    const route = await app.api('POST', '/api/v1/inbound-routes', {
      body: {
        name: 'Main line',
        did: '3225550100',
        destination: { type: 'time-condition', target: String(id) },
      },
    });
    expect(route.status).toBe(201);
    const refused = await app.api('DELETE', `/api/v1/time-conditions/${id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('inbound route "Main line"');
    const detail = await app.api('GET', `/api/v1/time-conditions/${id}`);
    expect(detail.body.used_by).toEqual([
      expect.objectContaining({ ownerName: 'Main line', role: 'destination' }),
    ]);
    expect((await app.api('DELETE', `/api/v1/inbound-routes/${route.body.id}`)).status).toBe(204);
    expect((await app.api('DELETE', `/api/v1/time-conditions/${id}`)).status).toBe(204);
    expect(await app.sb.deps.db('time_condition_ranges').where({ time_condition_id: id })).toEqual([]);
    expect((await app.api('GET', `/api/v1/time-conditions/${id}`)).status).toBe(404);
  });
});

describe('time conditions in the web UI', () => {
  const form = {
    name: 'Web hours',
    timezone: 'Europe/Brussels',
    weekly: 'mon 09:00-12:30\nmon 13:30-17:00\nfri 09:00-16:00',
    holidays: '2026-12-24..2027-01-02 yearly Winter break\n2026-05-01 Labour day',
    open_destination: 'extension:1001',
    closed_destination: 'hangup:',
    pin: '739146',
  };

  it('creates one from the form (schedule as lines), shows it with its state, and the override buttons record "ui"', async () => {
    const s = await signIn(app, 'admin', 'admin-password-1', '/time-conditions');
    const created = await s.post('/time-conditions', form);
    expect(created.status).toBe(303);
    const row = await app.sb.deps.db('time_conditions').where({ name: 'Web hours' }).first();
    const api = (await app.api('GET', `/api/v1/time-conditions/${row.id}`)).body;
    expect(api.weekly).toHaveLength(3);
    expect(api.holidays).toEqual([
      { name: 'Winter break', start: '2026-12-24', end: '2027-01-02', yearly: true },
      { name: 'Labour day', start: '2026-05-01', end: '2026-05-01', yearly: false },
    ]);
    expect(api.pin_set).toBe(true);
    const list = await s.text('/time-conditions');
    expect(list).toContain('Web hours');
    expect(list).toContain('Force closed');
    const edit = await s.text(`/time-conditions/${row.id}/edit`);
    expect(edit).toContain('mon 13:30-17:00');
    expect(edit).toContain('2026-12-24..2027-01-02 yearly Winter break');
    expect(edit).not.toContain('739146');
    expect((await s.post(`/time-conditions/${row.id}/override`, { mode: 'open' })).status).toBe(303);
    expect((await app.api('GET', `/api/v1/time-conditions/${row.id}`)).body).toMatchObject({
      override: 'open',
      override_via: 'ui',
      override_by: 'admin',
    });
    expect((await s.post(`/time-conditions/${row.id}/delete`, {})).status).toBe(303);
  });

  it('a bad schedule line is refused with 400 naming the line, and nothing is saved', async () => {
    const s = await signIn(app, 'admin', 'admin-password-1', '/time-conditions');
    const res = await s.post('/time-conditions', {
      ...form,
      name: 'Bad web',
      weekly: 'mon 09:00-17:00\ntue 17:00-09:00',
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('line 2');
    expect(await app.sb.deps.db('time_conditions').where({ name: 'Bad web' }).first()).toBeUndefined();
  });
});
