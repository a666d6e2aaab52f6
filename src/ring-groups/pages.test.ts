import { createExtensions, useTestApp } from '../../test/support/app';
import { asteriskCli } from '../../test/support/asterisk';
import { expectPage, signIn, useSignIn } from '../../test/support/web';

// The "Ring groups" (admin) and "Follow-me" (user: own; admin: any) pages, through real HTTP
// forms with a signed-in session and MariaDB. The test app's user alice owns extension 1001.

const app = useTestApp(
  { APPLY_DEBOUNCE_MS: '300' },
  {
    setUp: async (app) => {
      await createExtensions(app, ['1001', '1002'], {
        label: 'Ext',
        fields: (number) => ({ voicemail_enabled: number === '1001' }),
      });
      await app.applyNow();
    },
  },
);

describe('ring group pages (admin)', () => {
  const admin = useSignIn(app, 'admin', 'admin-password-1', '/ring-groups');

  it('lists none, with the nav entry and the new button', async () => {
    await expectPage(admin, '/ring-groups', [
      'href="/ring-groups"',
      'No ring groups yet.',
      'id="new-ring-group"',
    ]);
  });

  it('creates a group from the form, members in order, failover from the picker; Asterisk gets it', async () => {
    const res = await admin.post('/ring-groups', {
      number: '600',
      name: 'Sales',
      strategy: 'hunt',
      ring_seconds: '12',
      caller_id_prefix: 'Sales:',
      member_0_kind: 'extension',
      member_0_target: '1002',
      member_1_kind: 'external',
      member_1_target: '0475123456',
      member_1_confirm: 'on',
      member_2_kind: 'extension',
      member_2_target: '',
      member_3_kind: 'extension',
      member_3_target: '1001',
      failover_destination: 'voicemail:1001',
    });
    expect(res.status).toBe(303);
    const saved = (await app.api('GET', '/api/v1/ring-groups/600')).body;
    expect(saved).toMatchObject({
      strategy: 'hunt',
      ring_seconds: 12,
      members: [
        { kind: 'extension', target: '1002', confirm: false },
        { kind: 'external', target: '0475123456', confirm: true },
        { kind: 'extension', target: '1001', confirm: false },
      ],
      failover_destination: { type: 'voicemail', target: '1001' },
    });
    await app.applyNow();
    expect(await asteriskCli('dialplan show 600@sb-dest-ring-group')).toContain(
      'Goto(sb-dest-voicemail,1001,1)',
    );
    await expectPage(admin, '/ring-groups', ['data-ring-group="600"', '0475123456 (press 1)']);
    await expectPage(admin, '/ring-groups/600/edit', [
      'value="0475123456"',
      '<option value="ring-group:600"',
    ]);
  });

  it('re-displays the form with the reasons on bad input, marking the member row it came from', async () => {
    const res = await admin.post('/ring-groups', {
      number: '6x',
      name: 'Bad\nname',
      member_2_kind: 'external',
      member_2_target: '${SHELL(id)}',
      failover_destination: 'hangup:',
    });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('Please correct the fields marked below.');
    expect(html).toMatch(/id="member_2_target"[^>]*>\s*<span class="field-error">/);
    expect((await app.api('GET', '/api/v1/ring-groups')).body.items).toHaveLength(1);
  });

  it('deletes from the edit page', async () => {
    const res = await admin.post('/ring-groups/600/delete', {});
    expect(res.status).toBe(303);
    expect((await app.api('GET', '/api/v1/ring-groups/600')).status).toBe(404);
  });

  it('is not for users', async () => {
    const alice = await signIn(app, 'alice', 'alice-password-1', '/follow-me');
    expect((await alice.get('/ring-groups')).status).toBe(403);
  });
});

describe('follow-me page', () => {
  it('a user sees and saves her own, with the default end (her voicemail) spelled out', async () => {
    const alice = await signIn(app, 'alice', 'alice-password-1', '/follow-me');
    await expectPage(alice, '/follow-me', [
      'Follow-me of 1001',
      'href="/follow-me"',
      'voicemail 1001 (the default)',
    ]);
    const form = {
      enabled: 'on',
      step_0_kind: 'extension',
      step_0_target: '1001',
      step_0_ring_seconds: '10',
      step_1_kind: 'external',
      step_1_target: '0475123456',
      step_1_confirm: 'on',
      final_default: 'on',
    };
    // An external step needs the admin's "may forward externally" (toll guard), off by default.
    const refused = await alice.post('/follow-me/1001', form);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('may not forward to external numbers');
    const grant = await app.api('PUT', '/api/v1/extensions/1001/toll-limits', {
      body: { may_forward_externally: true },
    });
    expect(grant.status).toBe(200);
    const res = await alice.post('/follow-me/1001', form);
    expect(res.status).toBe(303);
    const saved = (await app.api('GET', '/api/v1/extensions/1001/follow-me')).body;
    expect(saved).toMatchObject({
      enabled: true,
      steps: [
        { kind: 'extension', target: '1001', ring_seconds: 10, confirm: false },
        { kind: 'external', target: '0475123456', ring_seconds: 25, confirm: true },
      ],
      final_destination: null,
    });
    // Another extension's follow-me: refused, nothing saved.
    const other = await alice.post('/follow-me/1002', {
      enabled: 'on',
      step_0_kind: 'extension',
      step_0_target: '1002',
      final_default: 'on',
    });
    expect(other.status).toBe(403);
    expect((await app.api('GET', '/api/v1/extensions/1002/follow-me')).body.enabled).toBe(false);
  });

  it('an admin chooses the extension; bad input comes back with the reasons', async () => {
    const admin = await signIn(app, 'admin', 'admin-password-1', '/follow-me');
    await expectPage(admin, '/follow-me', ['id="follow-me-choose"']);
    await expectPage(admin, '/follow-me?extension=1002', ['Follow-me of 1002', 'hang up (the default)']);
    const bad = await admin.post('/follow-me/1002', {
      enabled: 'on',
      step_0_kind: 'external',
      step_0_target: '12;3',
      final_default: 'on',
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/id="step_0_target"[^>]*>\s*<span class="field-error">/);
  });
});
