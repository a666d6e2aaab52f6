import { useTestApp } from '../../test/support/app';
import { asteriskCli, waitFor } from '../../test/support/asterisk';
import { snapshotConfig } from '../../test/support/config-files';
import { HOSTILE } from '../../test/support/hostile';
import { FEATURE_CODE_CATALOG } from './catalog';
import { PhoneLockouts } from './handler';
import type { FeatureCode } from './schema';
import { conflicts } from './service';

const app = useTestApp({ APPLY_DEBOUNCE_MS: '100' });

const code = (key: string, c: string, param: FeatureCode['param'] = null, enabled = true): FeatureCode => ({
  key,
  code: c,
  param,
  enabled,
  description: key,
  default_code: c,
});

describe('feature-code PIN lockout', () => {
  it('locks the phone that keyed too many wrong PINs, not the code for every other phone', async () => {
    const lockouts = new PhoneLockouts(3, 60_000);
    const from1004 = lockouts.guard('emergency', '', '1004');
    const from1005 = lockouts.guard('emergency', '', '1005');
    expect([await from1004.failed(''), await from1004.failed('')]).toEqual([false, false]);
    expect(await from1004.failed('')).toBe(true);
    expect(await from1004.locked('')).toBe(true);
    // Another extension, the same code: untouched.
    expect(await from1005.locked('')).toBe(false);
    // The same extension on another object of the code (another time condition): its own count.
    expect(await lockouts.guard('tc-override', '7', '1004').locked('7')).toBe(false);
  });

  it('lets the lock lapse with its window', async () => {
    const lockouts = new PhoneLockouts(1, 50);
    const guard = lockouts.guard('emergency', '', '1004');
    expect(await guard.failed('')).toBe(true);
    await waitFor('the window to pass', async () => !(await guard.locked('')), 2_000);
  });
});

describe('feature code clashes', () => {
  it('finds equal codes and a code that starts with a code taking digits', () => {
    expect(conflicts([code('a', '*72', 'number'), code('b', '*73')])).toEqual([]);
    expect(conflicts([code('a', '*7'), code('b', '*7')]).map((d) => d.path)).toEqual(['a']);
    expect(conflicts([code('a', '*7', 'number'), code('b', '*72')]).map((d) => d.path)).toEqual(['b']);
    // A plain code may be the start of another: the phone sends the whole number at once.
    expect(conflicts([code('a', '*7'), code('b', '*72', 'number')])).toEqual([]);
    // Disabled codes clash with nothing.
    expect(conflicts([code('a', '*7', 'number', false), code('b', '*72')])).toEqual([]);
  });
});

describe('feature codes API', () => {
  const dialplan = () => asteriskCli('dialplan show sb-call-handling-codes');

  beforeAll(async () => {
    await app.applyNow();
  });

  it('lists the whole catalog with the defaults in force', async () => {
    const res = await app.api('GET', '/api/v1/feature-codes');
    expect(res.status).toBe(200);
    expect(res.body.items.map((i: FeatureCode) => i.key)).toEqual(FEATURE_CODE_CATALOG.map((e) => e.key));
    expect(res.body.items.find((i: FeatureCode) => i.key === 'cfu-on')).toEqual({
      key: 'cfu-on',
      description: 'Forward all calls to a number',
      default_code: '*72',
      code: '*72',
      enabled: true,
      param: 'number',
    });
    const plan = await dialplan();
    expect(plan).toContain("'_*72X.'");
    expect(plan).toContain("'*76'");
  });

  it('changes a code and disables another: applied to the dialplan', async () => {
    const res = await app.api('PUT', '/api/v1/feature-codes', {
      body: {
        items: [
          { key: 'cfu-on', code: '*74' },
          { key: 'dnd-toggle', enabled: false },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.items.find((i: FeatureCode) => i.key === 'cfu-on').code).toBe('*74');
    const rev = await app.applied();
    expect(rev.status).toBe('succeeded');
    const plan = await dialplan();
    expect(plan).toContain("'_*74X.'");
    expect(plan).not.toContain("'_*72X.'");
    expect(plan).not.toContain("'*76'");
    const rows = await app.sb.deps
      .db('feature_codes')
      .orderBy('feature_key')
      .select('feature_key', 'code', 'enabled');
    expect(rows.map((r) => [r.feature_key, r.code, Boolean(r.enabled)])).toEqual([
      ['cfu-on', '*74', true],
      ['dnd-toggle', '*76', false],
    ]);
  });

  it.each([
    [{ items: [{ key: 'cfu-off', code: '*74' }] }, 'items.1', 'the same code as cfu-on'],
    [{ items: [{ key: 'cfu-off', code: '*741' }] }, 'cfu-off', 'starts with a code that takes digits'],
    [
      {
        items: [
          { key: 'dnd-toggle', enabled: true, code: '*7' },
          { key: 'cfu-on', code: '*7' },
        ],
      },
      '',
      'equal',
    ],
    [{ items: [{ key: 'no-such', code: '*1' }] }, 'items.0.key', 'unknown feature'],
    [{ items: [{ key: 'cfu-off', code: '72' }] }, 'items.0.code', 'no star'],
    [{ items: [{ key: 'cfu-off', code: '*12345' }] }, 'items.0.code', 'too long'],
    [{ items: [{ key: 'cfu-off', code: '*' }] }, 'items.0.code', 'no digits'],
    [{ items: [{ key: 'cfu-off', code: '*7#' }] }, 'items.0.code', 'not a digit'],
    [{ items: [{ key: 'cfu-off', enabled: 'no' }] }, 'items.0.enabled', 'not a boolean'],
    [{ items: [] }, 'items', 'empty'],
    [
      {
        items: [
          { key: 'cfu-off', code: '*1' },
          { key: 'cfu-off', code: '*2' },
        ],
      },
      'items.1.key',
      'listed twice',
    ],
  ])('refuses %j with 400 (%s: %s) and changes nothing', async (body, _path, _why) => {
    await app.settled();
    const before = snapshotConfig();
    const rowsBefore = await app.sb.deps.db('feature_codes').select();
    const res = await app.api('PUT', '/api/v1/feature-codes', { body });
    expect(res.status).toBe(400);
    expect(res.body.error.details.length).toBeGreaterThan(0);
    expect(await app.sb.deps.db('feature_codes').select()).toEqual(rowsBefore);
    expect(snapshotConfig()).toEqual(before);
  });

  it('refuses every hostile code with 400', async () => {
    for (const bad of HOSTILE) {
      const res = await app.api('PUT', '/api/v1/feature-codes', {
        body: { items: [{ key: 'cfb-on', code: bad }] },
      });
      expect([bad, res.status]).toEqual([bad, 400]);
    }
  });

  it('only an admin may change codes; everyone signed in may read them', async () => {
    const body = { items: [{ key: 'cfb-on', code: '*93' }] };
    expect((await app.api('PUT', '/api/v1/feature-codes', { token: app.tokens.user, body })).status).toBe(
      403,
    );
    expect(
      (await app.api('PUT', '/api/v1/feature-codes', { token: app.tokens.supervisor, body })).status,
    ).toBe(403);
    expect((await app.api('GET', '/api/v1/feature-codes', { token: app.tokens.user })).status).toBe(200);
  });

  it('*98 (any voicemail box) is off by default; enabling it is a stored change, disabling it again removes it', async () => {
    const listed = (await app.api('GET', '/api/v1/feature-codes')).body.items;
    expect(listed.find((i: FeatureCode) => i.key === 'voicemail-any')).toMatchObject({
      code: '*98',
      enabled: false,
    });
    const vmCodes = () => asteriskCli('dialplan show sb-voicemail-codes');
    expect(await vmCodes()).not.toContain("'*98'");
    const on = await app.api('PUT', '/api/v1/feature-codes', {
      body: { items: [{ key: 'voicemail-any', enabled: true }] },
    });
    expect(on.status).toBe(200);
    await app.applied();
    expect(await vmCodes()).toContain("'*98'");
    expect(
      await app.sb.deps.db('feature_codes').where({ feature_key: 'voicemail-any' }).first(),
    ).toMatchObject({
      enabled: 1,
    });
    const off = await app.api('PUT', '/api/v1/feature-codes', {
      body: { items: [{ key: 'voicemail-any', enabled: false }] },
    });
    expect(off.status).toBe(200);
    await app.applied();
    expect(await vmCodes()).not.toContain("'*98'");
    expect(
      await app.sb.deps.db('feature_codes').where({ feature_key: 'voicemail-any' }).first(),
    ).toBeUndefined();
  });

  it('setting a code back to its default removes the stored change', async () => {
    const res = await app.api('PUT', '/api/v1/feature-codes', {
      body: {
        items: [
          { key: 'cfu-on', code: '*72' },
          { key: 'dnd-toggle', enabled: true },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(await app.sb.deps.db('feature_codes').select()).toEqual([]);
    await app.applyNow();
    expect(await dialplan()).toContain("'_*72X.'");
  });
});
