import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useTestApp } from '../../test/support/app';
import { asteriskCli } from '../../test/support/asterisk';
import { snapshotConfig } from '../../test/support/config-files';
import { testEnv } from '../../test/support/env';
import { HOSTILE, labelled } from '../../test/support/hostile';
import { changesNothing, errorPaths, refusedPost, rowCount } from '../../test/support/refusals';
import { signIn } from '../../test/support/web';

// Queues through the API into the real sandbox Asterisk: what `queue show` and the dialplan say
// after an apply, and that refused input changes neither the database nor a config file.

const app = useTestApp({ APPLY_DEBOUNCE_MS: '300' });

const valid = {
  number: '600',
  name: 'Support',
  strategy: 'rrmemory',
  members: [
    { extension: '1001', penalty: 0 },
    { extension: '1002', penalty: 5 },
    { extension: '1003', dynamic: true },
  ],
  ring_seconds: 20,
  retry_seconds: 3,
  wrap_up_seconds: 10,
  max_wait_seconds: 120,
  max_callers: 8,
  join_when_empty: false,
  leave_when_empty: true,
  announce_position: true,
  announce_hold_time: true,
  vip_caller_ids: ['3225551234', '+32475000111'],
  vip_priority: 7,
  failover_destination: { type: 'extension', target: '1001' },
  callback: { enabled: true, key: '5' },
};

const count = () => rowCount(app, 'queues');

const queuesConf = () => readFileSync(join(testEnv.asteriskConfigDir, 'queues.conf'), 'utf8');

beforeAll(async () => {
  for (const [number, display_name] of [
    ['1001', 'Alice Agent'],
    ['1002', "Bob O'Brien (night)"],
    ['1003', 'Carol'],
  ]) {
    const res = await app.api('POST', '/api/v1/extensions', { body: { number, display_name } });
    expect(res.status).toBe(201);
  }
  await app.applyNow();
});

describe('queues API and Asterisk', () => {
  it('creates a queue (201) and after the apply Asterisk shows its strategy, static members and penalties', async () => {
    const res = await app.api('POST', '/api/v1/queues', { body: valid });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      number: '600',
      name: 'Support',
      asterisk_name: 'sb-queue-600',
      strategy: 'rrmemory',
      members: [
        { extension: '1001', name: 'Alice Agent', penalty: 0, dynamic: false },
        { extension: '1002', name: "Bob O'Brien (night)", penalty: 5, dynamic: false },
        { extension: '1003', name: 'Carol', penalty: 0, dynamic: true },
      ],
      vip_caller_ids: ['+32475000111', '3225551234'],
      failover_destination: { type: 'extension', target: '1001' },
      callback: {
        enabled: true,
        key: '5',
        max_attempts: 3,
        retry_seconds: 60,
        allowed_classes: ['local', 'national'],
        allow_typed_numbers: false,
        max_pending: 20,
        max_per_number_per_day: 3,
        max_per_caller_per_day: 5,
      },
      moh_class: 'default',
    });
    // The write's own (debounced) apply may have run already: then this one finds nothing new.
    await app.applied();
    const show = await asteriskCli('queue show sb-queue-600');
    expect(show).toContain("in 'rrmemory' strategy");
    expect(show).toContain('(max 8)');
    expect(show).toMatch(/Alice Agent \(PJSIP\/1001/);
    // The member name keeps what cannot break the member line; the penalty shows only above 0.
    expect(show).toMatch(/Bob OBrien night \(PJSIP\/1002[^\n]*with penalty 5/);
    expect(show).not.toContain('PJSIP/1003');
    const conf = queuesConf();
    expect(conf).toContain('[sb-queue-600]');
    expect(conf).toContain('joinempty = penalty,paused,invalid,unavailable');
    expect(conf).toContain('context = sb-queue-exit-600');
    expect(conf).toContain('member => PJSIP/1002,5,Bob OBrien night,PJSIP/1002');
    const plan = await asteriskCli('dialplan show s@sb-queue-600');
    expect(plan).toContain('Queue(sb-queue-600,,,,120)');
    expect(plan).toContain('DIALPLAN_EXISTS(sb-queue-600-vip,${SB_QCID},1)');
    expect(plan).toContain('Goto(sb-dest-extension,1001,1)');
    expect(await asteriskCli('dialplan show 600@sb-queue-numbers')).toContain('Goto(sb-dest-queue,600,1)');
    expect(await asteriskCli('dialplan show sb-queue-600-vip')).toContain("'+32475000111'");
  });

  it('a PUT changes strategy and penalties, and Asterisk follows', async () => {
    const res = await app.api('PUT', '/api/v1/queues/600', {
      body: {
        ...valid,
        strategy: 'linear',
        members: [
          { extension: '1002', penalty: 2 },
          { extension: '1001', penalty: 9 },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.members.map((m: { extension: string }) => m.extension)).toEqual(['1002', '1001']);
    await app.applied();
    const show = await asteriskCli('queue show sb-queue-600');
    expect(show).toContain("in 'linear' strategy");
    expect(show).toMatch(/PJSIP\/1001[^\n]*with penalty 9/);
    expect(show).toMatch(/PJSIP\/1002[^\n]*with penalty 2/);
  });

  it('lists and reads queues for supervisors, refuses writes to them (403) and answers 404 for no queue', async () => {
    const list = await app.api('GET', '/api/v1/queues', { token: app.tokens.supervisor });
    expect(list.status).toBe(200);
    expect(list.body.items.map((q: { number: string }) => q.number)).toEqual(['600']);
    expect(
      (await app.api('GET', '/api/v1/queues/600', { token: app.tokens.supervisor })).body.used_by,
    ).toEqual([]);
    const write = await app.api('POST', '/api/v1/queues', {
      body: { ...valid, number: '601', name: 'Nope' },
      token: app.tokens.supervisor,
    });
    expect(write.status).toBe(403);
    expect((await app.api('GET', '/api/v1/queues', { token: app.tokens.user })).status).toBe(403);
    expect((await app.api('GET', '/api/v1/queues/699')).status).toBe(404);
    expect((await app.api('GET', '/api/v1/queues/6%3B0')).status).toBe(400);
  });

  const refusals: Array<[string, Record<string, unknown>, string]> = [
    ['a number with letters', { number: '6a0' }, 'number'],
    ['a number starting with 0', { number: '0600' }, 'number'],
    ['a one-digit number', { number: '6' }, 'number'],
    ['an 11-digit number', { number: '12345678901' }, 'number'],
    ['a number as a JSON number', { number: 600 }, 'number'],
    ['a number with a separator', { number: '60,1' }, 'number'],
    ['an unknown strategy', { strategy: 'roundrobin' }, 'strategy'],
    ['a strategy with a newline', { strategy: 'ringall\n' }, 'strategy'],
    ['a negative penalty', { members: [{ extension: '1001', penalty: -1 }] }, 'members.0.penalty'],
    [
      'a member listed twice',
      { members: [{ extension: '1001' }, { extension: '1001' }] },
      'members.1.extension',
    ],
    ['a member that is no number', { members: [{ extension: 'PJSIP/1001' }] }, 'members.0.extension'],
    ['a ring time of 0', { ring_seconds: 0 }, 'ring_seconds'],
    ['a fractional wait', { max_wait_seconds: 1.5 }, 'max_wait_seconds'],
    ['negative max callers', { max_callers: -1 }, 'max_callers'],
    ['a VIP number with letters', { vip_caller_ids: ['32x'] }, 'vip_caller_ids.0'],
    ['a VIP priority of 11', { vip_priority: 11 }, 'vip_priority'],
    ['a music class that is a path', { moh_class: '../../etc' }, 'moh_class'],
    ['a callback key that is not a digit', { callback: { enabled: true, key: '*' } }, 'callback.key'],
    // Issue 16: an outside caller must never make the PBX dial a paid or emergency number.
    ...['international', 'premium', 'emergency'].map((c): [string, Record<string, unknown>, string] => [
      `${c} numbers as a callback class`,
      { callback: { enabled: true, allowed_classes: ['local', c] } },
      'callback.allowed_classes.1',
    ]),
    ['no cap on open callbacks', { callback: { enabled: true, max_pending: 0 } }, 'callback.max_pending'],
    [
      'a fractional per-caller cap',
      { callback: { enabled: true, max_per_caller_per_day: 2.5 } },
      'callback.max_per_caller_per_day',
    ],
    ['a greeting id that is text', { periodic_announce_greeting_id: 'x' }, 'periodic_announce_greeting_id'],
    [
      'a failover of an unknown type',
      { failover_destination: { type: 'shell', target: 'id' } },
      'failover_destination.type',
    ],
    ['an unknown field', { context: 'default' }, '(body)'],
  ];

  it.each(refusals)('refuses %s with 400, no row and no config change', async (_what, patch, path) => {
    const body = { ...valid, number: '610', name: 'Refused', ...patch };
    const res = await refusedPost(app, '/api/v1/queues', body, count, 400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(errorPaths(res)).toContain(path);
  });

  const hostile = [...HOSTILE, '${EXTEN}', 'a,b', 'x'.repeat(200)];
  it.each(labelled(hostile))(
    'refuses the injection %s in every text field, on create and on update',
    async (_label, v) => {
      const base = { ...valid, number: '611', name: 'Hostile' };
      const refuseAll = async () => {
        for (const [patch, path] of [
          [{ name: v }, 'name'],
          [{ name: `Sales ${v}` }, 'name'],
          [{ number: `61${v}` }, 'number'],
          [{ strategy: `ringall${v}` }, 'strategy'],
          [{ members: [{ extension: `1001${v}` }] }, 'members.0.extension'],
          [{ vip_caller_ids: [`3225551234${v}`] }, 'vip_caller_ids.0'],
          [{ moh_class: `default${v}` }, 'moh_class'],
          [{ callback: { enabled: true, key: v } }, 'callback.key'],
          [{ failover_destination: { type: 'external', target: `0475${v}` } }, 'failover_destination.target'],
        ] as const) {
          const created = await app.api('POST', '/api/v1/queues', {
            body: { ...base, ...patch },
          });
          expect([created.status, path]).toEqual([400, path]);
          expect(errorPaths(created)).toContain(path);
          const updated = await app.api('PUT', '/api/v1/queues/600', { body: { ...valid, ...patch } });
          expect([updated.status, path]).toEqual([400, path]);
        }
      };
      await changesNothing(app, refuseAll, count);
      expect((await app.api('GET', '/api/v1/queues/600')).body.name).toBe('Support');
    },
  );

  it('refuses a number an extension or another queue has (409), and things that do not exist (422)', async () => {
    await app.settled();
    const before = snapshotConfig();
    const taken = await app.api('POST', '/api/v1/queues', {
      body: { ...valid, number: '1001', name: 'Clash' },
    });
    expect(taken.status).toBe(409);
    expect(taken.body.error.message).toContain('extension 1001');
    const twice = await app.api('POST', '/api/v1/queues', { body: { ...valid, name: 'Second support' } });
    expect(twice.status).toBe(409);
    const sameName = await app.api('POST', '/api/v1/queues', { body: { ...valid, number: '612' } });
    expect(sameName.status).toBe(409);
    expect(errorPaths(sameName)).toContain('name');
    for (const [patch, path] of [
      [{ members: [{ extension: '1999' }] }, 'members.0.extension'],
      [{ failover_destination: { type: 'ivr', target: '99' } }, 'failover_destination.target'],
      [{ periodic_announce_greeting_id: 4242 }, 'periodic_announce_greeting_id'],
      [{ moh_class: 'sb-moh-4242' }, 'moh_class'],
      [{ failover_destination: { type: 'queue', target: '612' } }, 'failover_destination'],
    ] as const) {
      const res = await app.api('POST', '/api/v1/queues', {
        body: { ...valid, number: '612', name: 'Other', ...patch },
      });
      expect([res.status, path]).toEqual([422, path]);
      expect(errorPaths(res)).toContain(path);
    }
    expect(await count()).toBe(1);
    expect(snapshotConfig()).toEqual(before);
  });

  it('an inbound route can send calls to the queue with a priority; the queue cannot be deleted or renumbered while in use', async () => {
    const bad = await app.api('POST', '/api/v1/inbound-routes', {
      body: {
        name: 'VIP line',
        did: '3225550600',
        destination: { type: 'queue', target: '600' },
        queue_priority: 11,
      },
    });
    expect(bad.status).toBe(400);
    expect(errorPaths(bad)).toContain('queue_priority');
    const route = await app.api('POST', '/api/v1/inbound-routes', {
      body: {
        name: 'VIP line',
        did: '3225550600',
        destination: { type: 'queue', target: '600' },
        queue_priority: 9,
      },
    });
    expect(route.status).toBe(201);
    expect(route.body.queue_priority).toBe(9);
    await app.applied();
    const plan = await asteriskCli(`dialplan show 3225550600@sb-in-${route.body.id}`);
    expect(plan).toContain('Set(SB_QUEUE_PRIO=9)');
    expect(plan).toContain('Goto(sb-dest-queue,600,1)');

    const refused = await app.api('DELETE', '/api/v1/queues/600');
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('inbound route "VIP line"');
    const renumber = await app.api('PUT', '/api/v1/queues/600', { body: { ...valid, number: '601' } });
    expect(renumber.status).toBe(409);
    expect((await app.api('GET', '/api/v1/queues/600')).body.used_by).toEqual([
      expect.objectContaining({ ownerName: 'VIP line', role: 'destination' }),
    ]);
    expect(await asteriskCli('queue show sb-queue-600')).toContain('sb-queue-600 has');

    expect((await app.api('DELETE', `/api/v1/inbound-routes/${route.body.id}`)).status).toBe(204);
    const moved = await app.api('PUT', '/api/v1/queues/600', { body: { ...valid, number: '601' } });
    expect(moved.status).toBe(200);
    expect((await app.api('DELETE', '/api/v1/queues/601')).status).toBe(204);
    expect(await app.sb.deps.db('queue_members')).toEqual([]);
    expect(await app.sb.deps.db('queue_vip_callers')).toEqual([]);
    await app.applied();
    expect(await asteriskCli('queue show sb-queue-600')).toContain('No such queue');
    expect(await asteriskCli('queue show sb-queue-601')).toContain('No such queue');
  });
});

describe('queues in the web UI', () => {
  const form = {
    number: '650',
    name: 'Web queue',
    strategy: 'leastrecent',
    members: '1001\n1002 3\n1003 0 dynamic',
    ring_seconds: '15',
    retry_seconds: '5',
    wrap_up_seconds: '0',
    max_wait_seconds: '30',
    max_callers: '0',
    join_when_empty: 'on',
    periodic_announce_seconds: '60',
    moh_class: 'default',
    vip_caller_ids: '3225551234',
    vip_priority: '10',
    failover_destination: 'hangup:',
    callback_key: '1',
    callback_max_attempts: '3',
    callback_retry_seconds: '60',
    callback_allowed_classes: 'national',
    callback_allow_typed_numbers: 'on',
    callback_max_pending: '7',
  };

  it('creates a queue from the form, lists it linked to its live page, edits and deletes it', async () => {
    const s = await signIn(app, 'admin', 'admin-password-1', '/queues');
    const blank = await s.text('/queues/new');
    expect(blank).toContain('New queue');
    expect(blank).toContain('<option value="rrmemory" selected>');
    const created = await s.post('/queues', form);
    expect(created.status).toBe(303);
    const api = (await app.api('GET', '/api/v1/queues/650')).body;
    expect(api).toMatchObject({
      strategy: 'leastrecent',
      join_when_empty: true,
      leave_when_empty: false,
      members: [
        { extension: '1001', penalty: 0, dynamic: false },
        { extension: '1002', penalty: 3, dynamic: false },
        { extension: '1003', penalty: 0, dynamic: true },
      ],
      vip_caller_ids: ['3225551234'],
      failover_destination: { type: 'hangup', target: '' },
      callback: {
        allowed_classes: ['national'],
        allow_typed_numbers: true,
        max_pending: 7,
        max_per_caller_per_day: 5,
      },
    });
    const list = await s.text('/queues');
    expect(list).toContain('href="/queues/650/live"');
    expect(list).toContain('Web queue');
    const edit = await s.text('/queues/650/edit');
    expect(edit).toContain('1002 3');
    expect(edit).toContain('1003 0 dynamic');
    const routeForm = await s.text('/routes/inbound/new');
    expect(routeForm).toContain('value="queue:650"');
    expect(routeForm).toContain('name="queue_priority"');
    expect((await s.post('/queues/650', { ...form, strategy: 'fewestcalls' })).status).toBe(303);
    expect((await app.api('GET', '/api/v1/queues/650')).body.strategy).toBe('fewestcalls');
    expect((await s.post('/queues/650/delete', {})).status).toBe(303);
    expect((await app.api('GET', '/api/v1/queues/650')).status).toBe(404);
  });

  it('a bad member line is refused with 400 naming the line, a hostile name too, and nothing is saved', async () => {
    const s = await signIn(app, 'admin', 'admin-password-1', '/queues');
    const res = await s.post('/queues', { ...form, members: '1001\n1002 high' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('line 2');
    const hostile = await s.post('/queues', { ...form, name: 'Sales\n[evil]' });
    expect(hostile.status).toBe(400);
    const premium = await s.post('/queues', { ...form, callback_allowed_classes: 'premium' });
    expect(premium.status).toBe(400);
    expect(await premium.text()).toContain('never international, premium or emergency');
    expect(await app.sb.deps.db('queues').where({ number: '650' }).first()).toBeUndefined();
  });
});
