import { useTestApp } from '../../test/support/app';
import { asteriskCli } from '../../test/support/asterisk';
import { HOSTILE, labelled } from '../../test/support/hostile';
import { changesNothing, errorPaths } from '../../test/support/refusals';

// Ring groups through the REST API on a real MariaDB and a real Asterisk: validation, what
// reaches the dialplan, numbers shared with extensions, and referential integrity.

const app = useTestApp({ APPLY_DEBOUNCE_MS: '300' });

const ext = (target: string) => ({ kind: 'extension', target });
const base = (over: Record<string, unknown> = {}) => ({
  number: '600',
  name: 'Sales',
  members: [ext('1001'), ext('1002')],
  ...over,
});
const count = async () => (await app.api('GET', '/api/v1/ring-groups')).body.items.length as number;

beforeAll(async () => {
  for (const number of ['1001', '1002', '1003']) {
    const res = await app.api('POST', '/api/v1/extensions', {
      body: { number, display_name: `Ext ${number}` },
    });
    expect(res.status).toBe(201);
  }
  await app.applyNow();
}, 120_000);

describe('ring groups API', () => {
  it('creates a ring group with defaults and renders it as dialplan Asterisk loads', async () => {
    const res = await app.api('POST', '/api/v1/ring-groups', {
      body: base({
        caller_id_prefix: 'Sales: ',
        members: [ext('1001'), ext('1002'), { kind: 'external', target: '+32475123456', confirm: true }],
      }),
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      number: '600',
      name: 'Sales',
      strategy: 'ringall',
      ring_seconds: 20,
      caller_id_prefix: 'Sales: ',
      members: [
        { kind: 'extension', target: '1001', confirm: false },
        { kind: 'extension', target: '1002', confirm: false },
        { kind: 'external', target: '+32475123456', confirm: true },
      ],
      failover_destination: { type: 'hangup', target: '' },
    });
    const rev = await app.applied();
    expect(rev.status).toBe('succeeded');
    const plan = await asteriskCli('dialplan show 600@sb-dest-ring-group');
    expect(plan).toContain('Set(CALLERID(name)=Sales: ${CALLERID(name)})');
    expect(plan).toContain('Dial(PJSIP/1001&PJSIP/1002&Local/+32475123456@sb-confirm-external/n,20)');
    expect(plan).toContain('Goto(sb-dest-hangup,s,1)');
    // Phones reach it by its number (sb-internal includes sb-ring-group-numbers).
    expect(await asteriskCli('dialplan show 600@sb-ring-group-numbers')).toContain(
      'Goto(sb-dest-ring-group,600,1)',
    );
    expect(await asteriskCli('dialplan show sb-confirm-answer')).toContain(
      'Read(SB_CONFIRM,followme/options',
    );
  });

  it('renders hunt as one Dial per member and memoryhunt as a growing list', async () => {
    let res = await app.api('PUT', '/api/v1/ring-groups/600', {
      body: base({ strategy: 'hunt', ring_seconds: 7, members: [ext('1001'), ext('1002'), ext('1003')] }),
    });
    expect(res.status).toBe(200);
    await app.applyNow();
    let plan = await asteriskCli('dialplan show 600@sb-dest-ring-group');
    for (const n of ['1001', '1002', '1003']) expect(plan).toContain(`Dial(PJSIP/${n},7)`);
    res = await app.api('PUT', '/api/v1/ring-groups/600', {
      body: base({
        strategy: 'memoryhunt',
        ring_seconds: 7,
        members: [ext('1001'), ext('1002'), ext('1003')],
      }),
    });
    expect(res.status).toBe(200);
    await app.applyNow();
    plan = await asteriskCli('dialplan show 600@sb-dest-ring-group');
    expect(plan).toContain('Dial(PJSIP/1001,7)');
    expect(plan).toContain('Dial(PJSIP/1001&PJSIP/1002,7)');
    expect(plan).toContain('Dial(PJSIP/1001&PJSIP/1002&PJSIP/1003,7)');
    // No confirmed external member left: the confirmation contexts are gone.
    expect(await asteriskCli('dialplan show sb-confirm-answer')).not.toContain('Read(');
  });

  it('shares numbers with extensions: 409 for an extension number, and an extension cannot take a group number', async () => {
    const res = await app.api('POST', '/api/v1/ring-groups', {
      body: base({ number: '1001', name: 'Clash' }),
    });
    expect(res.status).toBe(409);
    expect(errorPaths(res)).toContain('number');
    const again = await app.api('POST', '/api/v1/ring-groups', { body: base({ name: 'Other' }) });
    expect(again.status).toBe(409);
  });

  it('refuses a member extension that does not exist with 422', async () => {
    const res = await app.api('POST', '/api/v1/ring-groups', {
      body: base({ number: '601', name: 'Ghost', members: [ext('1001'), ext('1999')] }),
    });
    expect(res.status).toBe(422);
    expect(errorPaths(res)).toEqual(['members.1.target']);
  });

  it('keeps integrity: a member extension and a routed group cannot be deleted while in use', async () => {
    const del = await app.api('DELETE', '/api/v1/extensions/1002');
    expect(del.status).toBe(409);
    expect(del.body.error.message).toContain('ring group "Sales"');
    const route = await app.api('POST', '/api/v1/inbound-routes', {
      body: { name: 'To sales', did: '3225550100', destination: { type: 'ring-group', target: '600' } },
    });
    expect(route.status).toBe(201);
    const refused = await app.api('DELETE', '/api/v1/ring-groups/600');
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('inbound route "To sales"');
    const renumber = await app.api('PUT', '/api/v1/ring-groups/600', { body: base({ number: '650' }) });
    expect(renumber.status).toBe(409);
    expect((await app.api('DELETE', `/api/v1/inbound-routes/${route.body.id}`)).status).toBe(204);
    expect((await app.api('DELETE', '/api/v1/ring-groups/600')).status).toBe(204);
    expect((await app.api('GET', '/api/v1/ring-groups/600')).status).toBe(404);
    await app.applyNow();
    expect(await asteriskCli('dialplan show 600@sb-dest-ring-group')).not.toContain('Dial(');
  });

  it('lets supervisors read but not write, and users neither', async () => {
    expect((await app.api('GET', '/api/v1/ring-groups', { token: app.tokens.supervisor })).status).toBe(200);
    const write = await app.api('POST', '/api/v1/ring-groups', {
      token: app.tokens.supervisor,
      body: base(),
    });
    expect(write.status).toBe(403);
    expect((await app.api('GET', '/api/v1/ring-groups', { token: app.tokens.user })).status).toBe(403);
  });

  const hostile = [...HOSTILE, 'a,b', '"q"', 'x'.repeat(81)];
  it.each(labelled(hostile))('refuses the name %s with 400 and changes nothing', async (_label, value) => {
    const res = await changesNothing(
      app,
      () =>
        app.api('POST', '/api/v1/ring-groups', {
          body: base({ number: '610', name: value }),
        }),
      count,
    );
    expect(res.status).toBe(400);
    expect(errorPaths(res)).toContain('name');
  });

  it.each([
    ['a number with letters', { number: '6a0' }, 'number'],
    ['a number starting with 0', { number: '0600' }, 'number'],
    ['a hostile number', { number: '600;x' }, 'number'],
    [
      'an external member with a dialplan expression',
      { members: [{ kind: 'external', target: '${SHELL(id)}' }] },
      'members.0.target',
    ],
    [
      'an external member with a comma',
      { members: [{ kind: 'external', target: '0475,1' }] },
      'members.0.target',
    ],
    [
      'an extension member with a newline',
      { members: [{ kind: 'extension', target: '1001\n' }] },
      'members.0.target',
    ],
    [
      'confirm on an extension member',
      { members: [{ kind: 'extension', target: '1001', confirm: true }] },
      'members.0.confirm',
    ],
    ['an unknown member kind', { members: [{ kind: 'queue', target: '1001' }] }, 'members.0.kind'],
    ['no members', { members: [] }, 'members'],
    ['the same member twice', { members: [ext('1001'), ext('1001')] }, 'members.1.target'],
    ['an unknown strategy', { strategy: 'random' }, 'strategy'],
    ['a ring time of 0', { ring_seconds: 0 }, 'ring_seconds'],
    ['a ring time as text', { ring_seconds: '20' }, 'ring_seconds'],
    ['a prefix with a bracket', { caller_id_prefix: '[x]' }, 'caller_id_prefix'],
    ['a prefix with an expression', { caller_id_prefix: '${SHELL(id)}' }, 'caller_id_prefix'],
    ['a prefix with a comma', { caller_id_prefix: 'a,b' }, 'caller_id_prefix'],
    [
      'a failover to a hostile external number',
      { failover_destination: { type: 'external', target: '1;x' } },
      'failover_destination.target',
    ],
    ['an unknown field', { sneaky: 1 }, '(body)'],
  ])('refuses %s with 400 and changes nothing', async (_label, patch, field) => {
    const res = await changesNothing(
      app,
      () =>
        app.api('POST', '/api/v1/ring-groups', {
          body: base({ number: '610', name: 'Bad', ...patch }),
        }),
      count,
    );
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path).join(' ')).toContain(
      field === '(body)' ? '' : field,
    );
  });
});
