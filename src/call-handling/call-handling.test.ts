import { useTestApp } from '../../test/support/app';
import { asteriskCli, waitFor } from '../../test/support/asterisk';
import { testEnv } from '../../test/support/env';
import { HOSTILE } from '../../test/support/hostile';
import { astdbFor } from './runtime';
import * as service from './service';

// The API with real parts: MariaDB as the truth and the sandbox Asterisk's astdb as the mirror
// the dialplan reads (checked with the Asterisk CLI, `database show sb`).

// Registered before useTestApp's hook, so it runs before Switchboard starts: keys MySQL does not
// have, which the reconcile at the ARI connection must remove.
beforeAll(async () => {
  await asteriskCli('database put sb dnd/1999 1');
  await asteriskCli('database put sb block/1999/3225550000 1');
});

const app = useTestApp({ APPLY_DEBOUNCE_MS: '100' });

async function astdb(): Promise<Record<string, string>> {
  const out = await asteriskCli('database show sb');
  const keys: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const m = /^\/sb\/(\S+)\s*:\s*(\S*)/.exec(line);
    if (m && /^(dnd|cfu|cfb|cfna|block)\//.test(m[1]!)) keys[m[1]!] = m[2]!;
  }
  return keys;
}

const mine = (keys: Record<string, string>, ext: string) =>
  Object.fromEntries(Object.entries(keys).filter(([k]) => k.split('/')[1] === ext));

beforeAll(async () => {
  for (const number of ['1001', '1002']) {
    const res = await app.api('POST', '/api/v1/extensions', {
      body: { number, display_name: `Phone ${number}` },
    });
    expect(res.status).toBe(201);
  }
  await app.applyNow();
});

describe('at start-up', () => {
  it('Switchboard reconciles astdb with MySQL once ARI is connected: stale keys go', async () => {
    await waitFor(
      'the start-up reconcile',
      async () => !Object.keys(await astdb()).some((k) => k.includes('/1999')),
    );
  });
});

describe('call handling API', () => {
  it('reads nothing set for a new extension', async () => {
    const res = await app.api('GET', '/api/v1/extensions/1001/call-handling');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      extension: '1001',
      dnd: false,
      forward: { always: null, busy: null, noAnswer: null },
    });
  });

  it('sets DND and forwarding: stored, and mirrored into astdb at once (no reload)', async () => {
    // External targets need the admin's "may forward externally" (toll-guard); granted first.
    const grant = await app.api('PUT', '/api/v1/extensions/1001/toll-limits', {
      body: { may_forward_externally: true },
    });
    expect(grant.status).toBe(200);
    await app.applyNow();
    const revisions = await app.sb.deps.db('apply_revisions').count({ n: '*' }).first();
    const res = await app.api('PUT', '/api/v1/extensions/1001/call-handling', {
      body: { dnd: true, forward: { always: '1002', busy: '+3225550100', noAnswer: '0475123456' } },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      extension: '1001',
      dnd: true,
      forward: { always: '1002', busy: '+3225550100', noAnswer: '0475123456' },
    });
    expect(mine(await astdb(), '1001')).toEqual({
      'dnd/1001': '1',
      'cfu/1001': '1002',
      'cfb/1001': '+3225550100',
      'cfna/1001': '0475123456',
    });
    expect((await app.api('GET', '/api/v1/extensions/1001/call-handling')).body.dnd).toBe(true);
    // No apply was needed for this.
    expect(await app.sb.deps.db('apply_revisions').count({ n: '*' }).first()).toEqual(revisions);
  });

  it('a PUT replaces the whole setting: what is left out is cleared, and its keys leave astdb', async () => {
    const res = await app.api('PUT', '/api/v1/extensions/1001/call-handling', {
      body: { forward: { noAnswer: '1002' } },
    });
    expect(res.status).toBe(200);
    expect(mine(await astdb(), '1001')).toEqual({ 'cfna/1001': '1002' });
  });

  it.each([...HOSTILE, '12', '123456789012345678901', '1002,1', '1002)', '+', '++123', '*72', '1 002'])(
    'refuses the forward number %j with 400 and changes nothing',
    async (bad) => {
      const before = await astdb();
      const res = await app.api('PUT', '/api/v1/extensions/1001/call-handling', {
        body: { dnd: true, forward: { always: bad } },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain('forward.always');
      expect((await app.api('GET', '/api/v1/extensions/1001/call-handling')).body).toMatchObject({
        dnd: false,
        forward: { always: null, noAnswer: '1002' },
      });
      expect(await astdb()).toEqual(before);
    },
  );

  it('refuses other bad bodies with 400: unknown fields, wrong types, forwarding to itself', async () => {
    for (const body of [
      { dnd: 'yes' },
      { dnd: true, extra: 1 },
      { forward: { sometimes: '1002' } },
      { forward: { always: 1002 } },
      { forward: { always: '1001' } },
      [],
    ]) {
      const res = await app.api('PUT', '/api/v1/extensions/1001/call-handling', { body });
      expect([res.status, JSON.stringify(body)]).toEqual([400, JSON.stringify(body)]);
    }
    expect(mine(await astdb(), '1001')).toEqual({ 'cfna/1001': '1002' });
  });

  it('answers 404 for an extension that does not exist, 400 for a malformed number', async () => {
    expect((await app.api('GET', '/api/v1/extensions/1999/call-handling')).status).toBe(404);
    expect(
      (await app.api('PUT', '/api/v1/extensions/1999/call-handling', { body: { dnd: true } })).status,
    ).toBe(404);
    expect((await app.api('GET', '/api/v1/extensions/10;01/call-handling')).status).toBe(400);
  });

  it('a user may read and change their own extension only; a supervisor neither', async () => {
    const own = await app.api('PUT', '/api/v1/extensions/1001/call-handling', {
      token: app.tokens.user,
      body: { dnd: true },
    });
    expect(own.status).toBe(200);
    expect(
      (await app.api('GET', '/api/v1/extensions/1002/call-handling', { token: app.tokens.user })).status,
    ).toBe(403);
    expect(
      (
        await app.api('PUT', '/api/v1/extensions/1002/call-handling', {
          token: app.tokens.user,
          body: { dnd: true },
        })
      ).status,
    ).toBe(403);
    expect(
      (await app.api('GET', '/api/v1/extensions/1001/call-handling', { token: app.tokens.supervisor }))
        .status,
    ).toBe(403);
    expect((await app.api('GET', '/api/v1/extensions/1001/call-handling', { token: null })).status).toBe(401);
    expect(mine(await astdb(), '1002')).toEqual({});
  });
});

describe('blocked callers API', () => {
  it('blocks a number (201), mirrored as sb/block/<ext>/<caller>', async () => {
    const res = await app.api('POST', '/api/v1/extensions/1002/blocked-callers', {
      body: { number: '+3225559999' },
    });
    expect(res.status).toBe(201);
    expect(mine(await astdb(), '1002')).toEqual({ 'block/1002/+3225559999': '1' });
    const list = await app.api('GET', '/api/v1/extensions/1002/blocked-callers');
    expect(list.body.items).toEqual([{ number: '+3225559999', created_at: expect.any(String) }]);
  });

  it('the same number again is a conflict (409); bad numbers are 400; nothing changes', async () => {
    const before = await astdb();
    expect(
      (await app.api('POST', '/api/v1/extensions/1002/blocked-callers', { body: { number: '+3225559999' } }))
        .status,
    ).toBe(409);
    for (const bad of [...HOSTILE, '12', 'anonymous', '1002/1']) {
      const res = await app.api('POST', '/api/v1/extensions/1002/blocked-callers', { body: { number: bad } });
      expect([bad, res.status]).toEqual([bad, 400]);
    }
    expect(
      (await app.api('POST', '/api/v1/extensions/1002/blocked-callers', { body: { number: '1002' } })).status,
    ).toBe(422);
    expect(await astdb()).toEqual(before);
    expect((await app.api('GET', '/api/v1/extensions/1002/blocked-callers')).body.items).toHaveLength(1);
  });

  it('a user cannot see or change the blocklist of another extension', async () => {
    const opts = { token: app.tokens.user };
    expect((await app.api('GET', '/api/v1/extensions/1002/blocked-callers', opts)).status).toBe(403);
    expect(
      (await app.api('POST', '/api/v1/extensions/1002/blocked-callers', { ...opts, body: { number: '123' } }))
        .status,
    ).toBe(403);
    expect(
      (await app.api('DELETE', '/api/v1/extensions/1002/blocked-callers/+3225559999', opts)).status,
    ).toBe(403);
  });

  it('unblocks (204) and the key leaves astdb; unblocking again is 404', async () => {
    const res = await app.api('DELETE', '/api/v1/extensions/1002/blocked-callers/+3225559999');
    expect(res.status).toBe(204);
    expect(mine(await astdb(), '1002')).toEqual({});
    expect((await app.api('DELETE', '/api/v1/extensions/1002/blocked-callers/+3225559999')).status).toBe(404);
    expect((await app.api('DELETE', '/api/v1/extensions/1002/blocked-callers/12;3')).status).toBe(400);
  });
});

describe('astdb reconcile', () => {
  it('is written through the CLI or the AMI because ARI may not write DB() (live_dangerously = no)', async () => {
    const auth = Buffer.from(`${testEnv.ariUsername}:${testEnv.ariPassword}`).toString('base64');
    const res = await fetch(`${testEnv.ariUrl}/ari/asterisk/variable?variable=DB(sb/dnd/1999)&value=1`, {
      method: 'POST',
      headers: { authorization: `Basic ${auth}` },
    });
    expect(res.status).toBe(204);
    expect(await asteriskCli('database get sb dnd/1999')).toMatch(/not found/i);
  });

  it('puts back what Asterisk lost and removes what MySQL does not have', async () => {
    await asteriskCli('database del sb dnd/1001');
    await asteriskCli('database put sb cfu/1002 5555');
    await asteriskCli('database put sb block/1002/999 1');
    const changes = await service.reconcile(app.sb.deps.db, astdbFor(app.sb.deps));
    // 3, unless the reconcile Switchboard runs itself when its ARI connection opens got there first.
    expect(changes).toBeGreaterThan(0);
    const keys = await astdb();
    expect(mine(keys, '1001')).toEqual({ 'dnd/1001': '1' });
    expect(mine(keys, '1002')).toEqual({});
    expect(await service.reconcile(app.sb.deps.db, astdbFor(app.sb.deps))).toBe(0);
  });

  it('deleting an extension drops its settings (cascade) and the reconcile clears its keys', async () => {
    await app.api('PUT', '/api/v1/extensions/1002/call-handling', { body: { dnd: true } });
    expect(mine(await astdb(), '1002')).toEqual({ 'dnd/1002': '1' });
    expect((await app.api('DELETE', '/api/v1/extensions/1002')).status).toBe(204);
    expect(await app.sb.deps.db('call_handling').where({ extension_number: '1002' }).first()).toBeUndefined();
    await service.reconcile(app.sb.deps.db, astdbFor(app.sb.deps));
    expect(mine(await astdb(), '1002')).toEqual({});
  });
});
