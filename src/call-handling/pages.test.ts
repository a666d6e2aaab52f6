import { createExtensions, deleteAll, extensionPaths, useTestApp } from '../../test/support/app';
import { asteriskCli } from '../../test/support/asterisk';
import { expectPage, useSignIn } from '../../test/support/web';

// The "Call forwarding" and "Feature codes" pages, through real HTTP forms with a signed-in
// session and MariaDB. The test app's user alice is linked to extension 1001.

const app = useTestApp(
  {},
  {
    setUp: async (app) => {
      await createExtensions(app, ['1001', '1002'], { label: 'Ext' });
      await app.applyNow();
    },
    tearDown: (app) => deleteAll(app, extensionPaths(['1001', '1002']), { applyMustSucceed: true }),
  },
);

const handling = async (n: string) => (await app.api('GET', `/api/v1/extensions/${n}/call-handling`)).body;

describe('call forwarding page (user)', () => {
  const alice = useSignIn(app, 'alice', 'alice-password-1', '/call-forwarding');

  it('shows her own extension, with the nav entry', async () => {
    const res = await alice.get('/call-forwarding');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Call forwarding <small class="mono">1001</small>');
    expect(html).toContain('href="/call-forwarding"');
    expect(html).not.toContain('href="/feature-codes"');
  });

  it('refuses an external number until an admin allows external forwarding (toll guard)', async () => {
    const page = await (await alice.get('/call-forwarding')).text();
    expect(page).toContain('data-forward-externally="no"');
    expect(page).not.toContain('Toll-fraud limits');
    const res = await alice.post('/call-forwarding', { always: '', busy: '', noAnswer: '+3225550100' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('may not forward to external numbers');
    expect((await handling('1001')).forward.noAnswer).toBeNull();
    // Only an admin may lift it, not alice herself.
    expect((await alice.post('/toll-guard/extensions/1001', { may_forward_externally: 'on' })).status).toBe(
      403,
    );
    const grant = await app.api('PUT', '/api/v1/extensions/1001/toll-limits', {
      body: { may_forward_externally: true },
    });
    expect(grant.status).toBe(200);
  });

  it('saves DND and forwarding; they reach astdb', async () => {
    const res = await alice.post('/call-forwarding', {
      dnd: 'on',
      always: '',
      busy: '1002',
      noAnswer: '+3225550100',
    });
    expect(res.status).toBe(303);
    expect(await handling('1001')).toEqual({
      extension: '1001',
      dnd: true,
      forward: { always: null, busy: '1002', noAnswer: '+3225550100' },
    });
    expect(await asteriskCli('database get sb cfb/1001')).toContain('1002');
  });

  it('refuses a bad number with 400, shows why, and changes nothing', async () => {
    const res = await alice.post('/call-forwarding', { always: '1002;x', busy: '', noAnswer: '' });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('must be 3 to 20 digits');
    expect(html).toContain('value="1002;x"');
    expect((await handling('1001')).forward.busy).toBe('1002');
  });

  it('blocks and unblocks a caller', async () => {
    expect((await alice.post('/call-forwarding/blocked', { caller: '3225559999' })).status).toBe(303);
    expect(await (await alice.get('/call-forwarding')).text()).toContain('data-blocked="3225559999"');
    expect((await alice.post('/call-forwarding/blocked', { caller: 'x' })).status).toBe(400);
    expect((await alice.post('/call-forwarding/unblock', { caller: '3225559999' })).status).toBe(303);
    expect((await app.api('GET', '/api/v1/extensions/1001/blocked-callers')).body.items).toEqual([]);
  });

  it("may not open another extension's page or the feature codes", async () => {
    expect((await alice.get('/extensions/1002/call-forwarding')).status).toBe(403);
    expect((await alice.post('/extensions/1002/call-forwarding', { dnd: 'on' })).status).toBe(403);
    expect((await alice.get('/feature-codes')).status).toBe(403);
    expect((await handling('1002')).dnd).toBe(false);
  });
});

describe('admin pages', () => {
  const admin = useSignIn(app, 'admin', 'admin-password-1', '/feature-codes');

  it("opens and changes any extension's forwarding", async () => {
    expect((await admin.get('/extensions/1002/call-forwarding')).status).toBe(200);
    expect((await admin.post('/extensions/1002/call-forwarding', { dnd: 'on' })).status).toBe(303);
    expect((await handling('1002')).dnd).toBe(true);
    expect((await admin.get('/extensions/1999/call-forwarding')).status).toBe(404);
  });

  it("sets an extension's toll-fraud limits on its call forwarding page; bad values are refused", async () => {
    expect(await (await admin.get('/extensions/1002/call-forwarding')).text()).toContain('Toll-fraud limits');
    const ok = await admin.post('/toll-guard/extensions/1002', {
      may_forward_externally: 'on',
      forward_max_concurrent: '3',
      max_concurrent: '',
      max_daily: '7',
    });
    expect(ok.status).toBe(303);
    expect((await app.api('GET', '/api/v1/extensions/1002/toll-limits')).body).toEqual({
      extension: '1002',
      may_forward_externally: true,
      forward_max_concurrent: 3,
      international: { max_concurrent: null, max_daily: 7 },
    });
    const bad = await admin.post('/toll-guard/extensions/1002', {
      forward_max_concurrent: '0',
      max_daily: 'x',
    });
    expect(bad.status).toBe(400);
    expect((await app.api('GET', '/api/v1/extensions/1002/toll-limits')).body.may_forward_externally).toBe(
      true,
    );
  });

  it('the spend guard page: alert address and trunk limits', async () => {
    await expectPage(admin, '/toll-guard', [
      'Spend guard',
      'href="/toll-guard"',
      'No limit has been reached.',
    ]);
    expect((await admin.post('/toll-guard/settings', { alert_email: 'not an address' })).status).toBe(400);
    expect((await admin.post('/toll-guard/settings', { alert_email: 'pbx@example.test' })).status).toBe(303);
    expect((await app.api('GET', '/api/v1/toll-guard/settings')).body.alert_email).toBe('pbx@example.test');
  });

  it('lists every feature code and saves a change', async () => {
    await expectPage(admin, '/feature-codes', ['data-feature="dnd-toggle"', 'href="/feature-codes"']);
    const list = (await app.api('GET', '/api/v1/feature-codes')).body.items as Array<{
      key: string;
      code: string;
    }>;
    const form: Record<string, string> = {};
    for (const item of list) {
      form[`code_${item.key}`] = item.key === 'block-last' ? '*33' : item.code;
      form[`enabled_${item.key}`] = 'on';
    }
    expect((await admin.post('/feature-codes', form)).status).toBe(303);
    const after = (await app.api('GET', '/api/v1/feature-codes')).body.items as Array<{
      key: string;
      code: string;
    }>;
    expect(after.find((i) => i.key === 'block-last')?.code).toBe('*33');

    // A clash is refused: the page says which code, and nothing is saved.
    form['code_cfb-off'] = '*33';
    const refused = await admin.post('/feature-codes', form);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('*33 is also the code of');
    const again = (await app.api('GET', '/api/v1/feature-codes')).body.items as Array<{
      key: string;
      code: string;
    }>;
    expect(again.find((i) => i.key === 'cfb-off')?.code).toBe('*91');
  });
});
