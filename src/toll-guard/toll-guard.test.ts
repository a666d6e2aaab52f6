import { useTestApp } from '../../test/support/app';
import { asteriskCli } from '../../test/support/asterisk';
import { HOSTILE } from '../../test/support/hostile';
import { changesNothing, errorPaths } from '../../test/support/refusals';
import { isEmergencyOrShortCode } from './targets';

// The toll guard through the REST API on a real MariaDB and a real Asterisk: the "may forward
// externally" permission (admin only) gating forwarding and follow-me to external numbers,
// emergency numbers and short codes refused always, the limits, and what reaches the dialplan.
// The test app's user "alice" owns extension 1001.

const app = useTestApp({ APPLY_DEBOUNCE_MS: '100' });

const limits = (n: string) => `/api/v1/extensions/${n}/toll-limits`;
const handling = (n: string) => `/api/v1/extensions/${n}/call-handling`;
const followMe = (n: string) => `/api/v1/extensions/${n}/follow-me`;
const storedForward = async (n: string) => (await app.api('GET', handling(n))).body.forward;
const cfu = async (n: string) => (await asteriskCli(`database get sb cfu/${n}`)).trim();

let trunkId: number;

beforeAll(async () => {
  for (const number of ['1001', '1002']) {
    const res = await app.api('POST', '/api/v1/extensions', {
      body: { number, display_name: `Phone ${number}`, voicemail_enabled: true },
    });
    expect(res.status).toBe(201);
  }
  const trunk = await app.api('POST', '/api/v1/trunks', {
    body: {
      name: 'carrier-x',
      kind: 'ip',
      host: '127.0.0.77',
      peer_addresses: ['127.0.0.77'],
      qualify: false,
    },
  });
  expect(trunk.status).toBe(201);
  trunkId = trunk.body.id;
  // An emergency route whose pattern is not a well-known number: the admin's word counts too.
  const route = await app.api('POST', '/api/v1/outbound-routes', {
    body: { name: 'Police direct', patterns: ['_1717XX'], class: 'emergency', trunk_ids: [trunkId] },
  });
  expect(route.status).toBe(201);
  await app.applyNow();
}, 120_000);

describe('emergency numbers and short codes', () => {
  it.each(['112', '911', '999', '000', '411', '118', '+112', '1234', '54321'])('%s is one', (n) => {
    expect(isEmergencyOrShortCode(n)).toBe(true);
  });
  it.each(['0475123456', '+3225550100', '00441632960000'])('%s is not', (n) => {
    expect(isEmergencyOrShortCode(n)).toBe(false);
  });
  it('an emergency route pattern counts as emergency', () => {
    expect(isEmergencyOrShortCode('171712', ['_1717XX'])).toBe(true);
    expect(isEmergencyOrShortCode('171712', [])).toBe(false);
  });
});

describe('without "may forward externally" (the default)', () => {
  it('reads the defaults: no external forwarding, forwarded-call cap 2, international 2 at once and 20 a day', async () => {
    const res = await app.api('GET', limits('1001'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      extension: '1001',
      may_forward_externally: false,
      forward_max_concurrent: 2,
      international: { max_concurrent: 2, max_daily: 20 },
    });
    expect((await app.api('GET', limits('1001'), { token: app.tokens.user })).status).toBe(200);
    expect((await app.api('GET', limits('1002'), { token: app.tokens.user })).status).toBe(403);
  });

  it('forwarding to an external number is refused with 400 naming the permission, and nothing is stored', async () => {
    const res = await app.api('PUT', handling('1001'), {
      token: app.tokens.user,
      body: { forward: { always: '1002', noAnswer: '0475123456' } },
    });
    expect(res.status).toBe(400);
    expect(errorPaths(res)).toEqual(['forward.noAnswer']);
    expect(res.body.error.message).toMatch(/may not forward to external numbers/);
    expect(await storedForward('1001')).toEqual({ always: null, busy: null, noAnswer: null });
    expect(await cfu('1001')).toMatch(/not found/i);
  });

  it('follow-me with an external step or final destination is refused with 400', async () => {
    const res = await changesNothing(app, () =>
      app.api('PUT', followMe('1001'), {
        token: app.tokens.user,
        body: {
          enabled: true,
          steps: [
            { kind: 'extension', target: '1001' },
            { kind: 'external', target: '0475123456' },
          ],
          final_destination: { type: 'external', target: '+3225550100' },
        },
      }),
    );
    expect(res.status).toBe(400);
    expect(errorPaths(res)).toEqual(['steps.1.target', 'final_destination.target']);
    expect((await app.api('GET', followMe('1001'))).body.enabled).toBe(false);
  });

  it('forwarding to an internal number still works', async () => {
    const res = await app.api('PUT', handling('1001'), { body: { forward: { busy: '1002' } } });
    expect(res.status).toBe(200);
    await app.api('PUT', handling('1001'), { body: {} });
  });
});

describe('the permission is the admin’s to give', () => {
  it('a user cannot give it to themselves (403), nor send bad values (400): nothing changes', async () => {
    const denied = await changesNothing(app, () =>
      app.api('PUT', limits('1001'), { token: app.tokens.user, body: { may_forward_externally: true } }),
    );
    expect(denied.status).toBe(403);
    for (const body of [
      { may_forward_externally: 'yes' },
      { forward_max_concurrent: 0 },
      { international: { max_daily: -1 } },
      { international: { max_concurrent: 1.5 } },
      { extra: 1 },
      ...HOSTILE.map((h) => ({ forward_max_concurrent: h })),
    ]) {
      const res = await app.api('PUT', limits('1001'), { body });
      expect([res.status, JSON.stringify(body)]).toEqual([400, JSON.stringify(body)]);
    }
    expect((await app.api('GET', limits('1001'))).body.may_forward_externally).toBe(false);
    expect((await app.api('PUT', limits('1999'), { body: {} })).status).toBe(404);
  });

  it('once granted, external forwarding and follow-me are accepted; the dialplan names the extension and its cap', async () => {
    const res = await app.api('PUT', limits('1001'), {
      body: { may_forward_externally: true, forward_max_concurrent: 3, international: { max_daily: 5 } },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      extension: '1001',
      may_forward_externally: true,
      forward_max_concurrent: 3,
      international: { max_concurrent: 2, max_daily: 5 },
    });
    const fwd = await app.api('PUT', handling('1001'), {
      token: app.tokens.user,
      body: { forward: { noAnswer: '0475123456' } },
    });
    expect(fwd.status).toBe(200);
    expect(await cfu('1001')).toMatch(/not found/i);
    const fm = await app.api('PUT', followMe('1001'), {
      token: app.tokens.user,
      body: { enabled: true, steps: [{ kind: 'external', target: '0475123456' }] },
    });
    expect(fm.status).toBe(200);
    await app.applyNow();
    expect(await asteriskCli('dialplan show 1001@sb-fwd-external')).toContain('Return(3)');
    expect(await asteriskCli('dialplan show 1001@sb-spend-ext')).toContain('Set(SB_LIM_D=5)');
    expect(await asteriskCli('dialplan show 1001@sb-followme')).toContain('b(sb-followme-leg^s^1(1001))');
  });

  it.each(['112', '911', '+112', '999', '118', '12345', '171712'])(
    'even then, %s (emergency or short code) is refused as a forward or follow-me target',
    async (n) => {
      const res = await app.api('PUT', handling('1001'), { body: { forward: { always: n } } });
      expect(res.status).toBe(400);
      expect(errorPaths(res)).toEqual(['forward.always']);
      expect(res.body.error.message).toMatch(/emergency numbers and short codes/);
      const fm = await app.api('PUT', followMe('1001'), {
        body: { enabled: true, steps: [{ kind: 'external', target: n }] },
      });
      expect(fm.status).toBe(400);
      expect(await storedForward('1001')).toMatchObject({ always: null, noAnswer: '0475123456' });
    },
  );
});

describe('trunk limits and alert settings', () => {
  it('a trunk has no international limits until set; the dialplan then checks them', async () => {
    expect((await app.api('GET', `/api/v1/trunks/${trunkId}/toll-limits`)).body).toEqual({
      trunk_id: trunkId,
      trunk: 'carrier-x',
      international: { max_concurrent: null, max_daily: null },
    });
    const res = await app.api('PUT', `/api/v1/trunks/${trunkId}/toll-limits`, {
      body: { international: { max_concurrent: 4, max_daily: 50 } },
    });
    expect(res.status).toBe(200);
    await app.applyNow();
    const plan = await asteriskCli('dialplan show s@sb-spend-trunk');
    expect(plan).toContain('"${ARG1}" = "carrier-x"]?Set(SB_LIM_C=4)');
    expect(plan).toContain('"${ARG1}" = "carrier-x"]?Set(SB_LIM_D=50)');
    expect((await app.api('PUT', '/api/v1/trunks/9999/toll-limits', { body: {} })).status).toBe(404);
    expect(
      (
        await app.api('PUT', `/api/v1/trunks/${trunkId}/toll-limits`, {
          body: { international: { max_daily: 0 } },
        })
      ).status,
    ).toBe(400);
    expect(
      (await app.api('GET', `/api/v1/trunks/${trunkId}/toll-limits`, { token: app.tokens.user })).status,
    ).toBe(403);
  });

  it('the alert address must be an email address', async () => {
    for (const bad of ['not-an-address', 'a@b.c\nBcc: x@y.z', ...HOSTILE]) {
      const res = await app.api('PUT', '/api/v1/toll-guard/settings', { body: { alert_email: bad } });
      expect(res.status).toBe(400);
    }
    const ok = await app.api('PUT', '/api/v1/toll-guard/settings', {
      body: { alert_email: 'pbx-admin@example.com' },
    });
    expect(ok.status).toBe(200);
    expect((await app.api('GET', '/api/v1/toll-guard/settings')).body).toEqual({
      alert_email: 'pbx-admin@example.com',
    });
  });
});
