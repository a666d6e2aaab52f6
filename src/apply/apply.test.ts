import { execFileSync } from 'node:child_process';
import { useTestApp } from '../../test/support/app';
import { ariObject, asteriskCli, sandbox, storedContacts, waitFor } from '../../test/support/asterisk';
import { snapshotConfig } from '../../test/support/config-files';
import { testEnv } from '../../test/support/env';
import { sipRegister } from '../../test/support/sip-register';

// Each test reads the revision of its own write through app.applied() (the apply history's
// shape): a forced apply may join the write's batch or come after it, when a loaded machine
// answers the write after the debounce.
const app = useTestApp({ APPLY_DEBOUNCE_MS: '400' });
beforeAll(async () => {
  await app.applyNow();
});

const create = (number: string, extra: Record<string, unknown> = {}) =>
  app.api('POST', '/api/v1/extensions', { body: { number, display_name: `Ext ${number}`, ...extra } });

// A revision that changed pjsip.conf by pushing `objects` objects, with no module reloaded.
const pushedOnly = (objects: number) => ({
  status: 'succeeded',
  filesChanged: ['pjsip.conf'],
  modulesReloaded: [],
  objectsPushed: objects,
});

describe('apply', () => {
  it('a new extension is pushed to Asterisk without any reload, and the revision says so', async () => {
    expect((await create('5001')).status).toBe(201);
    expect(await app.applied()).toMatchObject(pushedOnly(3));
    expect(await ariObject('endpoint', '5001')).toMatchObject({
      context: 'sb-cos-iln',
      aors: '5001',
      auth: '5001',
    });
    // The dialplan's digit patterns already route the new number: no dialplan reload needed.
    expect(await asteriskCli('dialplan show 5001@sb-internal')).toContain("'_ZXXX' =>");
  });

  it('changing one extension pushes only its changed object and reloads no module', async () => {
    expect(
      (await app.api('PATCH', '/api/v1/extensions/5001', { body: { sip_secret: 'changed-Secret-5001' } }))
        .status,
    ).toBe(200);
    expect(await app.applied()).toMatchObject(pushedOnly(1));
    expect((await ariObject('auth', '5001'))?.password).toBe('changed-Secret-5001');
    expect(snapshotConfig()['pjsip.conf']).toContain('password = changed-Secret-5001');
  });

  it('an apply with nothing to change records "unchanged" and touches nothing', async () => {
    const before = snapshotConfig();
    expect(await app.applyNow()).toMatchObject({
      status: 'unchanged',
      files_changed: [],
      modules_reloaded: [],
    });
    expect(snapshotConfig()).toEqual(before);
  });

  it('deleting reloads res_pjsip from the file, then Asterisk no longer has the endpoint', async () => {
    expect((await create('5002')).status).toBe(201);
    await app.applyNow();
    expect((await app.api('DELETE', '/api/v1/extensions/5002')).status).toBe(204);
    const rev = await app.applied();
    expect(rev).toMatchObject({ status: 'succeeded', modulesReloaded: ['res_pjsip.so'] });
    expect(await asteriskCli('pjsip show endpoint 5002')).toContain('Unable to find object 5002');
    expect(await ariObject('endpoint', '5002')).toBeNull();
    expect(await ariObject('auth', '5002')).toBeNull();
    expect(await ariObject('endpoint', '5001')).not.toBeNull();
  });

  it("deleting an extension removes its registrations from Asterisk's astdb, so a new owner of the number is not rung on them", async () => {
    expect((await create('5003', { sip_secret: 'reg-Secret-5003-abcdef' })).status).toBe(201);
    await app.applyNow();
    expect(
      await sipRegister({
        server: '127.0.0.1',
        port: testEnv.sipPort,
        user: '5003',
        password: 'reg-Secret-5003-abcdef',
        localPort: 27003,
      }),
    ).toBe(200);
    expect(await storedContacts('5003')).toHaveLength(1);
    expect((await app.api('DELETE', '/api/v1/extensions/5003')).status).toBe(204);
    expect((await app.applyNow()).status).toBe('succeeded');
    await waitFor('the registration to be purged', async () => (await storedContacts('5003')).length === 0);
  });

  it('writes that arrive together are coalesced into one apply', async () => {
    const before = (await app.api('GET', '/api/v1/apply?limit=200')).body.items.length;
    const results = await Promise.all(['5101', '5102', '5103', '5104', '5105', '5106'].map((n) => create(n)));
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201, 201]);
    await app.applyNow();
    const after = (await app.api('GET', '/api/v1/apply?limit=200')).body.items;
    // six writes plus the forced apply: at most two applies ran (one may already have started).
    expect(after.length - before).toBeLessThanOrEqual(2);
    for (const n of ['5101', '5106']) expect(await ariObject('endpoint', n)).not.toBeNull();
  });

  it('after an Asterisk restart, the endpoints come back from the files and can still be changed live', async () => {
    await sandbox('stop');
    await sandbox('start');
    await waitFor(
      'ARI events to reconnect',
      async () => (await app.api('GET', '/readyz', { token: null })).status === 200,
      30_000,
    );
    expect((await ariObject('auth', '5001'))?.password).toBe('changed-Secret-5001');
    expect(
      (await app.api('PATCH', '/api/v1/extensions/5001', { body: { sip_secret: 'after-Restart-5001' } }))
        .status,
    ).toBe(200);
    expect(await app.applyNow()).toMatchObject({
      status: 'succeeded',
      modules_reloaded: [],
      objects_pushed: 1,
    });
    expect((await ariObject('auth', '5001'))?.password).toBe('after-Restart-5001');
  });
});

describe('a failed apply', () => {
  it('with Asterisk unreachable, leaves the files byte-identical, says why, and the next apply succeeds', async () => {
    const before = snapshotConfig();
    await sandbox('stop');
    try {
      expect((await create('5201')).status).toBe(201);
      const rev = await app.applyNow();
      expect(rev.status).toBe('failed');
      expect(rev.error).toMatch(/unreachable|ECONNREFUSED/i);
      expect(snapshotConfig()).toEqual(before);
      // What Asterisk holds is unknown now: the mark tells the next apply not to trust the files.
      expect(await app.sb.deps.db('apply_marks').count({ n: '*' })).toEqual([{ n: 1 }]);
      const listed = await app.api('GET', '/api/v1/apply');
      expect(listed.body.latest).toMatchObject({ id: rev.id, status: 'failed' });
      const ready = await app.api('GET', '/readyz', { token: null });
      expect(ready.status).toBe(503);
      expect(ready.body.checks.apply).toEqual({
        ok: false,
        detail: expect.stringContaining(`revision ${rev.id} failed`),
      });
    } finally {
      await sandbox('start');
    }
    const rev = await app.applyNow();
    expect(rev).toMatchObject({ status: 'succeeded', modules_reloaded: ['res_pjsip.so'] });
    expect(await app.sb.deps.db('apply_marks').count({ n: '*' })).toEqual([{ n: 0 }]);
    expect(await ariObject('endpoint', '5201')).not.toBeNull();
    await waitFor(
      'readiness',
      async () => (await app.api('GET', '/readyz', { token: null })).status === 200,
      30_000,
    );
  });

  it('with the config directory read-only, restores nothing it did not write, records the failure, and recovers', async () => {
    const dir = testEnv.asteriskConfigDir;
    const before = snapshotConfig();
    expect((await create('5301')).status).toBe(201);
    // A read-only bind mount refuses writes even to root: a real "unwritable" condition.
    execFileSync('mount', ['--bind', dir, dir]);
    try {
      execFileSync('mount', ['-o', 'remount,bind,ro', dir]);
      const rev = await app.applyNow();
      expect(rev.status).toBe('failed');
      expect(rev.error).toMatch(/EROFS|read-only/i);
      expect(snapshotConfig()).toEqual(before);
      expect(await ariObject('endpoint', '5301')).toBeNull();
    } finally {
      execFileSync('umount', [dir]);
    }
    expect((await app.applyNow()).status).toBe('succeeded');
    expect(await ariObject('endpoint', '5301')).not.toBeNull();
  });

  it('when Asterisk refuses a pushed object, restores the previous files and memory objects', async () => {
    const before = snapshotConfig();
    // A codec name Asterisk does not know, written past the API on purpose: Asterisk refuses it.
    await app.sb.deps.db('extensions').where({ number: '5001' }).update({ codecs: 'ulaw,nosuchcodec' });
    const rev = await app.applyNow();
    expect(rev.status).toBe('failed');
    expect(rev.error).toMatch(/5001/);
    expect(snapshotConfig()).toEqual(before);
    expect((await ariObject('endpoint', '5001'))?.allow).toMatch(/ulaw/);
    await app.sb.deps.db('extensions').where({ number: '5001' }).update({ codecs: 'ulaw' });
    expect((await app.applyNow()).status).toBe('succeeded');
  });
});
