import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApiToken } from '../../src/auth/tokens';
import { sealStoredSecrets } from '../../src/db/sealed-columns';
import { FEATURES } from '../../src/features';
import { useTestApp } from '../support/app';
import { testEnv } from '../support/env';
import { sipRegister } from '../support/sip-register';

// SIP secrets at rest (src/lib/sealed.ts): MariaDB holds them sealed, while the rendered pjsip.conf,
// a real REGISTER, reveal-secret and an export asked for with secrets=1 still see them in clear;
// a plain export leaves them out. Rows from before sealing are sealed at start and keep working.
const app = useTestApp();
const SECRET = 'AtRest-Secret-6101-xyzw';
const LEGACY = 'Legacy-Clear-6102-abcd';

const storedSecret = async (number: string) =>
  ((await app.sb.deps.db('extensions').where({ number }).first()) as { sip_secret: string }).sip_secret;
const pjsipConf = () => readFileSync(join(testEnv.asteriskConfigDir, 'pjsip.conf'), 'utf8');
const register = (user: string, password: string, localPort: number) =>
  sipRegister({ server: '127.0.0.1', port: testEnv.sipPort, user, password, localPort });

describe('SIP secrets at rest', () => {
  it('are sealed in MariaDB, in clear only where Asterisk and the admin need them', async () => {
    const created = await app.api('POST', '/api/v1/extensions', {
      body: { number: '6101', display_name: 'At Rest', sip_secret: SECRET },
    });
    expect(created.status).toBe(201);
    await app.applied();
    const stored = await storedSecret('6101');
    expect(stored).toMatch(/^v1:[A-Za-z0-9+/]+=*$/);
    expect(stored).not.toContain(SECRET);
    // Nothing else in the row or the database's other secret columns holds it either.
    const dump = JSON.stringify(await app.sb.deps.db('extensions').select());
    expect(dump).not.toContain(SECRET);
    expect(pjsipConf()).toContain(`password = ${SECRET}`);
    expect(await register('6101', SECRET, 27611)).toBe(200);
    expect(await register('6101', 'not-the-secret-6101', 27612)).toBe(401);
    const revealed = await app.api('POST', '/api/v1/extensions/6101/reveal-secret');
    expect([revealed.status, revealed.body]).toEqual([200, { sip_secret: SECRET, auth_username: '6101' }]);
    // A secret changed by PATCH is sealed anew (another IV), and a replace without one keeps it.
    const patched = await app.api('PATCH', '/api/v1/extensions/6101', {
      body: { display_name: 'At Rest 2' },
    });
    expect(patched.status).toBe(200);
    expect(await storedSecret('6101')).toBe(stored);
    const replaced = await app.api('PUT', '/api/v1/extensions/6101', { body: { display_name: 'At Rest 3' } });
    expect(replaced.status).toBe(200);
    expect(await storedSecret('6101')).toBe(stored);
  });

  it('a row written in clear before sealing is sealed at start, and its phone still registers', async () => {
    await app.sb.deps
      .db('extensions')
      .insert({ number: '6102', display_name: 'Legacy', sip_secret: LEGACY, codecs: 'ulaw,alaw' });
    const sealed = await sealStoredSecrets(
      app.sb.deps.db,
      FEATURES.flatMap((f) => f.sealed ?? []),
    );
    expect(sealed).toBe(1);
    expect(await storedSecret('6102')).toMatch(/^v1:/);
    // Idempotent: a second start seals nothing more.
    expect(
      await sealStoredSecrets(
        app.sb.deps.db,
        FEATURES.flatMap((f) => f.sealed ?? []),
      ),
    ).toBe(0);
    await app.applyNow();
    expect(pjsipConf()).toContain(`password = ${LEGACY}`);
    expect(await register('6102', LEGACY, 27613)).toBe(200);
  });

  it('an export leaves the secrets out unless secrets=1 is asked for, by an admin', async () => {
    const plain = await app.api('GET', '/api/v1/extensions/export');
    expect(plain.status).toBe(200);
    expect(plain.text.split('\r\n')[0]).not.toContain('sip_secret');
    expect(plain.text).not.toContain(SECRET);
    expect(plain.text).not.toContain('v1:');
    const full = await app.api('GET', '/api/v1/extensions/export?secrets=1');
    expect(full.status).toBe(200);
    expect(full.text.split('\r\n')[0]).toContain('sip_secret');
    expect(full.text).toContain(`6101,At Rest 3,,,,${SECRET},`);
    expect(full.text).toContain(LEGACY);
    expect((await app.api('GET', '/api/v1/extensions/export?secrets=yes')).status).toBe(400);
    expect(
      (await app.api('GET', '/api/v1/extensions/export?secrets=1', { token: app.tokens.supervisor })).status,
    ).toBe(403);
    // An admin's read-only token (a dashboard's) reads, but not every secret at once.
    const adminId = (await app.sb.deps.db('users').where({ username: 'admin' }).first()).id;
    const readOnly = await createApiToken(app.sb.deps.db, adminId, 'dashboard', { scope: 'read' });
    const refused = await app.api('GET', '/api/v1/extensions/export?secrets=1', { token: readOnly });
    expect([refused.status, refused.text.includes(SECRET)]).toEqual([403, false]);
    expect((await app.api('GET', '/api/v1/extensions/export', { token: readOnly })).status).toBe(200);
    // Each export is in the audit log, and which kind it was.
    const audited = await app.sb.deps
      .db('audit_log')
      .where('summary', 'like', 'Export extensions%')
      .pluck('summary');
    expect(audited).toEqual(
      expect.arrayContaining([
        'Export extensions with their SIP secrets',
        'Export extensions (without secrets)',
      ]),
    );
    // The plain export re-imports without touching the stored secrets.
    const reimport = await app.api('POST', '/api/v1/extensions/import?mode=upsert', {
      body: plain.text,
      contentType: 'text/csv',
    });
    expect(reimport.status).toBe(200);
    expect(reimport.body.updated).toEqual(expect.arrayContaining(['6101', '6102']));
    expect((await app.api('POST', '/api/v1/extensions/6101/reveal-secret')).body).toEqual({
      sip_secret: SECRET,
      auth_username: '6101',
    });
  });
});
