import { createExtensions, startTestApp, type TestApp } from '../../test/support/app';
import { requireAsterisk } from '../../test/support/env';
import { HOSTILE } from '../../test/support/hostile';
import { signIn, type WebSession } from '../../test/support/web';

// The Departments pages through real HTTP forms with a signed-in session on MariaDB: admins
// create, edit and delete; supervisors only read; bad input re-renders the form with the reason.

let app: TestApp;

beforeAll(async () => {
  requireAsterisk();
  app = await startTestApp();
  await createExtensions(app, ['1001', '1002', '1003'], { label: 'Ext' });
}, 60_000);

afterAll(async () => {
  await app?.close();
}, 60_000);

const departments = async () =>
  (await app.api('GET', '/api/v1/departments')).body.items as Array<{
    id: number;
    name: string;
    extensions: string[];
  }>;

describe('departments pages', () => {
  let admin: WebSession;
  beforeAll(async () => {
    admin = await signIn(app, 'admin', 'admin-password-1', '/departments');
  });

  it('creates a department from the form with members typed as a list', async () => {
    const res = await admin.post('/departments', { name: 'Sales', extensions: '1002, 1001 ' });
    expect(res.status).toBe(303);
    expect(await departments()).toEqual([
      { id: expect.any(Number), name: 'Sales', extensions: ['1001', '1002'] },
    ]);
    const html = await (await admin.get('/departments')).text();
    expect(html).toContain('1001, 1002');
  });

  it('re-renders the form with the reason for an unknown extension or a hostile name, storing nothing', async () => {
    const unknown = await admin.post('/departments', { name: 'Support', extensions: '1003, 1999' });
    expect(unknown.status).toBe(400);
    const html = await unknown.text();
    expect(html).toContain('extension 1999 does not exist');
    expect(html).toContain('value="1003, 1999"');
    for (const name of HOSTILE) {
      const res = await admin.post('/departments', { name, extensions: '1003' });
      expect(res.status).toBe(400);
    }
    const dup = await admin.post('/departments', { name: 'Sales', extensions: '' });
    expect(dup.status).toBe(409);
    expect(await departments()).toHaveLength(1);
  });

  it('edits members and renames, then deletes', async () => {
    const [d] = await departments();
    const edit = await admin.get(`/departments/${d!.id}/edit`);
    expect(await edit.text()).toContain('value="1001, 1002"');
    expect(
      (await admin.post(`/departments/${d!.id}`, { name: 'Sales EMEA', extensions: '1003' })).status,
    ).toBe(303);
    expect(await departments()).toEqual([{ id: d!.id, name: 'Sales EMEA', extensions: ['1003'] }]);
    expect((await admin.post(`/departments/${d!.id}/delete`, {})).status).toBe(303);
    expect(await departments()).toEqual([]);
    expect((await admin.get('/departments/abc/edit')).status).toBe(404);
  });

  it('lets a supervisor read the list but not change it', async () => {
    await app.api('POST', '/api/v1/departments', { body: { name: 'Support', extensions: ['1001'] } });
    const sup = await signIn(app, 'super', 'super-password-1', '/departments');
    const list = await sup.get('/departments');
    expect(list.status).toBe(200);
    const html = await list.text();
    expect(html).toContain('Support');
    expect(html).not.toContain('id="new-department"');
    expect((await sup.post('/departments', { name: 'Other', extensions: '' })).status).toBe(403);
    expect((await departments()).map((d) => d.name)).toEqual(['Support']);
  });
});
