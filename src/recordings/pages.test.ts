import { apiCreate, deleteAll, extensionPaths, useTestApp } from '../../test/support/app';
import { HOSTILE } from '../../test/support/hostile';
import { expectPage, signIn, useSignIn } from '../../test/support/web';

// The "Recording" policies page (admin) through real HTTP forms with a signed-in session and
// MariaDB; the player page is exercised with a real recording in test/e2e/recordings.test.ts.

const app = useTestApp(
  { APPLY_DEBOUNCE_MS: '300' },
  {
    setUp: (app) => apiCreate(app, '/api/v1/extensions', { number: '1001', display_name: 'Alice' }),
    tearDown: (app) => deleteAll(app, extensionPaths(['1001'])),
  },
);

const policies = async () => (await app.api('GET', '/api/v1/recording-policies')).body.items;

describe('recording policies page (admin)', () => {
  const admin = useSignIn(app, 'admin', 'admin-password-1', '/recording-policies');

  it('lists no policies at first, saying nothing is recorded', async () => {
    await expectPage(admin, '/recording-policies', [
      'No recording policies: nothing is recorded.',
      'id="recording-policy-form"',
    ]);
  });

  it('adds a policy from the form and shows it in the list, then deletes it', async () => {
    const res = await admin.post('/recording-policies', {
      target_type: 'extension',
      target_ref: '1001',
      mode: 'on_demand',
      retention_days: '30',
    });
    expect(res.status).toBe(303);
    const [created] = await policies();
    expect(created).toMatchObject({
      target_type: 'extension',
      target_ref: '1001',
      mode: 'on_demand',
      retention_days: 30,
    });
    await expectPage(admin, '/recording-policies', [
      `data-policy="${created.id}"`,
      'Extension 1001',
      '30 days',
    ]);

    expect((await admin.post(`/recording-policies/${created.id}/delete`, {})).status).toBe(303);
    expect(await policies()).toEqual([]);
  });

  it('re-renders the form with 400 and the reason for hostile or unknown targets, saving nothing', async () => {
    for (const target_ref of [...HOSTILE, '1999']) {
      const res = await admin.post('/recording-policies', {
        target_type: 'extension',
        target_ref,
        mode: 'always',
      });
      expect({ target_ref, status: res.status }).toEqual({ target_ref, status: 400 });
      const html = await res.text();
      expect(html).toContain('class="field-error"');
    }
    const bad = await admin.post('/recording-policies', {
      target_type: 'extension',
      target_ref: '1001',
      mode: 'always',
      retention_days: '0',
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('at least 1 day');
    expect(await policies()).toEqual([]);
  });

  it('is for admins only: a user is refused the page', async () => {
    const alice = await signIn(app, 'alice', 'alice-password-1', '/recordings');
    expect((await alice.get('/recording-policies')).status).toBe(403);
    // Alice's own recordings page opens (empty: no call of hers was recorded).
    const mine = await alice.get('/recordings');
    expect(mine.status).toBe(200);
    expect(await mine.text()).toContain('No recordings.');
  });
});
