import { useTestApp } from '../../test/support/app';
import { asteriskCli } from '../../test/support/asterisk';
import { HOSTILE } from '../../test/support/hostile';
import { changesNothing, errorPaths } from '../../test/support/refusals';

// Follow-me through the REST API on a real MariaDB and a real Asterisk: who may change whose,
// validation, the default final destination, what reaches the dialplan, and what happens when
// the extension goes. The test app's user "alice" owns extension 1001.

const app = useTestApp({ APPLY_DEBOUNCE_MS: '300' });

const path = (n: string) => `/api/v1/extensions/${n}/follow-me`;
const chain = (over: Record<string, unknown> = {}) => ({
  enabled: true,
  steps: [
    { kind: 'extension', target: '1001', ring_seconds: 15 },
    { kind: 'external', target: '0475123456', ring_seconds: 30, confirm: true },
  ],
  ...over,
});

beforeAll(async () => {
  for (const [number, vm] of [
    ['1001', true],
    ['1002', false],
    ['1003', false],
  ] as const) {
    const res = await app.api('POST', '/api/v1/extensions', {
      body: { number, display_name: `Ext ${number}`, voicemail_enabled: vm },
    });
    expect(res.status).toBe(201);
  }
  // External steps need the admin's "may forward externally" (toll-guard): 1001 has it.
  const grant = await app.api('PUT', '/api/v1/extensions/1001/toll-limits', {
    body: { may_forward_externally: true },
  });
  expect(grant.status).toBe(200);
  await app.applyNow();
}, 120_000);

describe('follow-me API', () => {
  it('is off with no steps until set; the default end is the voicemail box when there is one, else hang up', async () => {
    const one = await app.api('GET', path('1001'));
    expect(one.status).toBe(200);
    expect(one.body).toEqual({
      extension: '1001',
      enabled: false,
      steps: [],
      final_destination: null,
      default_final_destination: { type: 'voicemail', target: '1001' },
    });
    const two = await app.api('GET', path('1002'));
    expect(two.body.default_final_destination).toEqual({ type: 'hangup', target: '' });
    expect((await app.api('GET', path('1999'))).status).toBe(404);
  });

  it('a user sets their own follow-me; Asterisk then runs it for calls to the extension', async () => {
    const res = await app.api('PUT', path('1001'), { token: app.tokens.user, body: chain() });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      enabled: true,
      steps: [
        { kind: 'extension', target: '1001', ring_seconds: 15, confirm: false },
        { kind: 'external', target: '0475123456', ring_seconds: 30, confirm: true },
      ],
      final_destination: null,
    });
    await app.applyNow();
    const plan = await asteriskCli('dialplan show 1001@sb-followme');
    expect(plan).toContain('Dial(PJSIP/1001,15)');
    expect(plan).toContain('Dial(Local/0475123456@sb-confirm-external/n,30,b(sb-followme-leg^s^1(1001)))');
    expect(plan).toContain('Goto(sb-dest-voicemail,1001,1)');
    expect(await asteriskCli('dialplan show sb-confirm-external')).toContain('U(sb-confirm-answer)');
  });

  it('a user may neither read nor change the follow-me of another extension', async () => {
    expect((await app.api('GET', path('1002'), { token: app.tokens.user })).status).toBe(403);
    const res = await changesNothing(app, () =>
      app.api('PUT', path('1002'), { token: app.tokens.user, body: chain() }),
    );
    expect(res.status).toBe(403);
    expect((await app.api('GET', path('1002'))).body.enabled).toBe(false);
    expect((await app.api('GET', path('1001'), { token: app.tokens.supervisor })).status).toBe(403);
  });

  it('an admin sets another final destination; turning it off removes the dialplan entry', async () => {
    let res = await app.api('PUT', path('1002'), {
      body: chain({
        steps: [
          { kind: 'extension', target: '1002' },
          { kind: 'extension', target: '1003', ring_seconds: 10 },
        ],
        final_destination: { type: 'extension', target: '1003' },
      }),
    });
    expect(res.status).toBe(200);
    expect(res.body.steps[0]).toEqual({
      kind: 'extension',
      target: '1002',
      ring_seconds: 20,
      confirm: false,
    });
    await app.applyNow();
    expect(await asteriskCli('dialplan show 1002@sb-followme')).toContain('Goto(sb-dest-extension,1003,1)');
    // 1003 is used by 1002's follow-me: it cannot be deleted meanwhile.
    const del = await app.api('DELETE', '/api/v1/extensions/1003');
    expect(del.status).toBe(409);
    expect(del.body.error.message).toContain('follow-me of extension "1002"');
    res = await app.api('PUT', path('1002'), { body: { enabled: false, steps: [] } });
    expect(res.status).toBe(200);
    await app.applyNow();
    expect(await asteriskCli('dialplan show 1002@sb-followme')).not.toContain('Dial(');
    expect((await app.api('DELETE', '/api/v1/extensions/1003')).status).toBe(204);
  });

  it('deleting an extension takes its follow-me with it, whatever that pointed at', async () => {
    const create = await app.api('POST', '/api/v1/extensions', {
      body: { number: '1004', display_name: 'Temp' },
    });
    expect(create.status).toBe(201);
    const res = await app.api('PUT', path('1004'), {
      body: chain({
        steps: [
          { kind: 'extension', target: '1004' },
          { kind: 'extension', target: '1002' },
        ],
      }),
    });
    expect(res.status).toBe(200);
    expect((await app.api('DELETE', '/api/v1/extensions/1004')).status).toBe(204);
    // Nothing of 1004's follow-me still holds 1002.
    expect((await app.api('DELETE', '/api/v1/extensions/1002')).status).toBe(204);
    // The deletions' own (debounced) apply has run, and succeeded, before later tests compare
    // config files.
    await app.applied();
  });

  it('refuses a final destination that is the extension itself (422: it would start again)', async () => {
    const res = await app.api('PUT', path('1001'), {
      body: chain({ final_destination: { type: 'extension', target: '1001' } }),
    });
    expect(res.status).toBe(422);
    expect(errorPaths(res)).toEqual(['final_destination']);
  });

  it('refuses a step to an extension that does not exist (422)', async () => {
    const res = await app.api('PUT', path('1001'), {
      body: chain({ steps: [{ kind: 'extension', target: '1999' }] }),
    });
    expect(res.status).toBe(422);
    expect(errorPaths(res)).toEqual(['steps.0.target']);
  });

  const bad: Array<[string, Record<string, unknown>, string]> = [
    [
      'a number with an expression',
      { steps: [{ kind: 'external', target: '${SHELL(id)}' }] },
      'steps.0.target',
    ],
    ...HOSTILE.map((v): [string, Record<string, unknown>, string] => [
      `the external number ${JSON.stringify(v).slice(0, 20)}`,
      { steps: [{ kind: 'external', target: v }] },
      'steps.0.target',
    ]),
    ['a comma in a number', { steps: [{ kind: 'external', target: '0475,12' }] }, 'steps.0.target'],
    [
      'an extension step with a semicolon',
      { steps: [{ kind: 'extension', target: '1001;x' }] },
      'steps.0.target',
    ],
    [
      'confirm on an extension step',
      { steps: [{ kind: 'extension', target: '1001', confirm: true }] },
      'steps.0.confirm',
    ],
    [
      'a ring time too short',
      { steps: [{ kind: 'extension', target: '1001', ring_seconds: 1 }] },
      'steps.0.ring_seconds',
    ],
    [
      'a ring time as text',
      { steps: [{ kind: 'extension', target: '1001', ring_seconds: '20' }] },
      'steps.0.ring_seconds',
    ],
    ['on with no steps', { steps: [] }, 'steps'],
    [
      'eleven steps',
      { steps: Array.from({ length: 11 }, () => ({ kind: 'extension', target: '1001' })) },
      'steps',
    ],
    [
      'a hostile final destination',
      { final_destination: { type: 'external', target: '1;x' } },
      'final_destination.target',
    ],
    ['enabled as text', { enabled: 'yes' }, 'enabled'],
    ['an unknown field', { extra: true }, '(body)'],
  ];
  it.each(bad)('refuses %s with 400 and changes nothing', async (_label, patch, field) => {
    const saved = async () => (await app.api('GET', path('1001'))).body;
    const res = await changesNothing(app, () => app.api('PUT', path('1001'), { body: chain(patch) }), saved);
    expect(res.status).toBe(400);
    if (field !== '(body)') expect(errorPaths(res)).toContain(field);
  });

  it('refuses a hostile extension in the path with 400', async () => {
    expect((await app.api('GET', path('1001%3Bx'))).status).toBe(400);
  });
});
