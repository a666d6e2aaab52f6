import { createExtensions, deleteAll, extensionPaths, useTestApp } from '../../../test/support/app';
import { signIn } from '../../../test/support/web';
import { unseal } from '../../lib/sealed';

// The voicemail box pages, through real HTTP forms with a signed-in session and MariaDB. The
// test app's user alice is linked to extension 1001.

const app = useTestApp(
  {},
  {
    setUp: (app) =>
      createExtensions(app, ['1001', '1002'], {
        label: 'Ext',
        fields: (number) => ({ voicemail_enabled: number === '1001' }),
      }),
    tearDown: (app) => deleteAll(app, extensionPaths(['1001', '1002']), { applyMustSucceed: true }),
  },
);

// The row as stored, with its PIN opened (stored sealed, src/lib/sealed.ts).
const box = async (number: string) => {
  const row = await app.sb.deps.db('voicemail_boxes').where({ extension_number: number }).first();
  return row && { ...row, pin: unseal(row.pin) };
};

describe('voicemail boxes in the web UI', () => {
  it('an admin creates a box from the form; the PIN is shown once and the box is listed', async () => {
    const s = await signIn(app, 'admin', 'admin-password-1', '/voicemail-boxes');
    const blank = await s.text('/voicemail-boxes/new');
    for (const id of [
      'number',
      'email',
      'attach_audio',
      'transcribe',
      'unavailable_greeting_id',
      'temporary_greeting_id',
    ])
      expect(blank).toContain(`id="${id}"`);
    const res = await s.post('/voicemail-boxes', {
      number: '1002',
      email: 'bob@example.com',
      attach_audio: 'on',
      transcribe: 'on',
      unavailable_greeting_id: '',
    });
    expect(res.status).toBe(201);
    const row = await box('1002');
    expect(row).toMatchObject({
      email: 'bob@example.com',
      delete_after_email: 0,
      unavailable_greeting_id: null,
    });
    expect(Boolean(row.transcribe)).toBe(true);
    expect(await res.text()).toContain(`<strong class="mono">${row.pin}</strong>`);
    const list = await s.text('/voicemail-boxes');
    expect(list).toContain('data-box="1002"');
    expect(list).toContain('bob@example.com');
    expect(list).not.toContain('id="new-pin"');
    expect((await app.api('GET', '/api/v1/extensions/1002')).body.voicemail_enabled).toBe(true);
  });

  it('refuses an email with a newline with 400 beside the field, and changes nothing', async () => {
    const s = await signIn(app, 'admin', 'admin-password-1', '/voicemail-boxes');
    const before = await box('1001');
    const res = await s.post('/voicemail-boxes/1001', { email: 'a@example.com\nBcc: x@example.com' });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/id="email"[^>]*>\s*<span class="field-error">/);
    expect(await box('1001')).toEqual(before);
  });

  it('a user changes the PIN of their own box; a PIN that is not digits is refused', async () => {
    const s = await signIn(app, 'alice', 'alice-password-1', '/voicemail-boxes/my-pin');
    expect(await s.text('/voicemail-boxes/my-pin')).toContain('id="pin-form"');
    const before = (await box('1001')).pin;
    const bad = await s.post('/voicemail-boxes/my-pin', { pin: '12ab', pin_confirm: '12ab' });
    expect(bad.status).toBe(400);
    expect((await box('1001')).pin).toBe(before);
    const ok = await s.post('/voicemail-boxes/my-pin', { pin: '730215', pin_confirm: '730215' });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('id="pin-changed"');
    expect((await box('1001')).pin).toBe('730215');
    // The admin pages stay closed to a user.
    expect((await fetch(`${app.url}/voicemail-boxes`, { headers: { cookie: s.cookie } })).status).toBe(403);
  });
});
