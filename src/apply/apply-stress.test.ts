import { randomBytes } from 'node:crypto';
import { watch } from 'node:fs';
import { join } from 'node:path';
import { ariObject, asteriskCli, sandbox, storedContacts } from '../../test/support/asterisk';
import { prepareTestDatabase } from '../../test/support/db-template';
import { requireAsterisk, testEnv } from '../../test/support/env';
import { sipRegister } from '../../test/support/sip-register';
import { SwitchboardProcess } from '../../test/support/switchboard-process';
import { createApiToken } from '../auth/tokens';
import { createKnex } from '../db/knex';
import { loadSealingKey, unseal } from '../lib/sealed';

// Model-based stress test of the apply against the real Asterisk. Several API clients run random
// creates, secret and codec changes, deletes and CSV imports on 2,000+ extensions; after every
// round the PJSIP objects Asterisk holds (as `pjsip show` lists them, and field by field through
// sorcery for what changed) must be exactly what MySQL says, and REGISTER must take the current
// secret and refuse the previous one. Switchboard is a child process so it can be SIGKILLed in the
// middle of an apply; Asterisk is restarted too. Seeded: a failure prints its seed.
// STRESS_SEEDS=1,2,3 STRESS_ROUNDS=20 runs a longer set (npm run bench does).
const SEEDS = (process.env['STRESS_SEEDS'] ?? '4,101').split(',').map(Number);
const ROUNDS = Number(process.env['STRESS_ROUNDS'] ?? 6);
const SEEDED = 2_000;
const CLIENTS = 3;
const OPS_PER_CLIENT = 4;
const CODECS = ['ulaw', 'alaw', 'g722'] as const;
const ariAuth = {
  authorization: `Basic ${Buffer.from(`${testEnv.ariUsername}:${testEnv.ariPassword}`).toString('base64')}`,
};

interface Ext {
  secret: string;
  codecs: string[];
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Resolves when an apply renames a new pjsip.conf into place.
function pjsipWritten(): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      watcher.close();
      reject(new Error('no apply wrote pjsip.conf within 30 s'));
    }, 30_000);
    const watcher = watch(testEnv.asteriskConfigDir, (_event, name) => {
      if (name !== 'pjsip.conf') return;
      clearTimeout(timer);
      watcher.close();
      resolve();
    });
  });
}

describe('apply: model-based stress against the real Asterisk', () => {
  const dbName = `sb_test_${randomBytes(5).toString('hex')}`;
  const db = createKnex(`${testEnv.mysqlServer}/${dbName}`, { min: 0, max: 4 });
  let sb: SwitchboardProcess;
  let token = '';
  let sipPort = 26000;

  beforeAll(async () => {
    requireAsterisk();
    await prepareTestDatabase(testEnv.mysqlServer, dbName);
    sb = new SwitchboardProcess({
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: `${testEnv.mysqlServer}/${dbName}`,
      ARI_URL: testEnv.ariUrl,
      ARI_USERNAME: testEnv.ariUsername,
      ARI_PASSWORD: testEnv.ariPassword,
      ASTERISK_CONFIG_DIR: testEnv.asteriskConfigDir,
      ASTERISK_SOUNDS_DIR: testEnv.asteriskSoundsDir,
      ASTERISK_SPOOL_DIR: testEnv.asteriskSpoolDir,
      ASTERISK_LOG_DIR: testEnv.asteriskLogDir,
      CALLDATA_HISTORY: 'skip',
      APPLY_DEBOUNCE_MS: '10',
      EXTENSION_MIN: '100',
      EXTENSION_MAX: '999999',
      ADMIN_PASSWORD: 'stress-admin-password-1',
      // The rounds' REGISTERs authenticate as the number and refuse old secrets from 127.0.0.1 on
      // purpose: neither random auth usernames nor a ban of the test's own address belong here.
      SIP_AUTH_USERNAME: 'number',
      SIP_BAN_ALLOWLIST: '127.0.0.1',
    });
  });

  afterAll(async () => {
    // The lane's Asterisk is shared with the suites after this one: leave none of the 2,000
    // extensions behind (their deletion would otherwise fall on the next suite's first apply).
    if (sb?.child && token) {
      await db('extensions').delete();
      await settle().catch(() => undefined);
    }
    await sb?.kill('SIGTERM');
    await db.raw(`DROP DATABASE IF EXISTS \`${dbName}\``).catch(() => undefined);
    await db.destroy();
  });

  async function api(method: string, path: string, body?: unknown, contentType = 'application/json') {
    const res = await fetch(sb.url + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': contentType }),
      },
      body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text };
  }

  // Every apply requested so far has run: the newest revision is newer than any write, and no
  // apply is queued or running (the queue's state is in /api/v1/apply).
  async function settle(): Promise<{ id: number; status: string; error: string | null }> {
    const res = await api('POST', '/api/v1/apply');
    if (res.status !== 200) throw new Error(`POST /api/v1/apply answered ${res.status}: ${res.text}`);
    return JSON.parse(res.text);
  }

  async function listed(what: 'endpoints' | 'auths' | 'aors'): Promise<Set<string>> {
    const out = await asteriskCli(`pjsip show ${what}`);
    const label = { endpoints: 'Endpoint', auths: 'Auth', aors: 'Aor' }[what];
    const ids = new Set<string>();
    for (const line of out.split('\n')) {
      const m = new RegExp(`^\\s*${label}:\\s+([^\\s/<]+)`).exec(line);
      if (m?.[1]) ids.add(m[1]);
    }
    return ids;
  }

  async function mysqlModel(): Promise<Map<string, Ext>> {
    const rows = (await db('extensions').select('number', 'sip_secret', 'codecs')) as Array<{
      number: string;
      sip_secret: string;
      codecs: string;
    }>;
    // Stored sealed: opened with the key the child Switchboard made in the run's state directory.
    loadSealingKey(join(testEnv.stateDir, 'secrets.key'));
    return new Map(
      rows.map((r) => [r.number, { secret: unseal(r.sip_secret), codecs: r.codecs.split(',') }]),
    );
  }

  const register = (user: string, password: string) =>
    sipRegister({ server: '127.0.0.1', port: testEnv.sipPort, user, password, localPort: sipPort++ });

  async function assertAgrees(
    seed: number,
    round: number,
    model: Map<string, Ext>,
    touched: Set<string>,
    previous: Map<string, string>,
    deleted: Set<string>,
    recreated: Set<string>,
    rnd: () => number,
  ): Promise<void> {
    const where = `seed ${seed}, round ${round}`;
    const mysql = await mysqlModel();
    // The model is what the API acknowledged; MySQL must hold exactly that.
    expect({ where, mysql: [...mysql.keys()].sort() }).toEqual({ where, mysql: [...model.keys()].sort() });
    const expected = [...mysql.keys()].sort();
    for (const what of ['endpoints', 'auths', 'aors'] as const) {
      const ids = [...(await listed(what))].sort();
      const missing = expected.filter((n) => !ids.includes(n));
      const extra = ids.filter((n) => !mysql.has(n));
      expect({ where, what, missing, extra }).toEqual({ where, what, missing: [], extra: [] });
    }
    const all = [...mysql.keys()];
    const sample = new Set([...touched].filter((n) => mysql.has(n)));
    for (let i = 0; i < 10; i++) sample.add(all[Math.floor(rnd() * all.length)]!);
    for (const n of sample) {
      const ext = mysql.get(n)!;
      const auth = await ariObject('auth', n);
      const endpoint = await ariObject('endpoint', n);
      expect({ where, n, password: auth?.password, allow: endpoint?.allow }).toEqual({
        where,
        n,
        password: ext.secret,
        allow: `(${ext.codecs.join('|')})`,
      });
    }
    const changed = [...previous.entries()].filter(([n]) => mysql.has(n)).slice(0, 3);
    for (const [n, old] of changed) {
      expect({ where, n, current: await register(n, mysql.get(n)!.secret) }).toEqual({
        where,
        n,
        current: 200,
      });
      expect({ where, n, previous: (await register(n, old)) === 200 }).toEqual({ where, n, previous: false });
    }
    // Created (or deleted and created again) this round: registers with its secret, and is a
    // live endpoint (device state, dialling) and not only a sorcery object.
    const created = [...touched].filter((n) => mysql.has(n) && !previous.has(n));
    const reborn = created.filter((n) => deleted.has(n) || recreated.has(n));
    for (const n of [...reborn, ...created.filter((c) => !reborn.includes(c))].slice(0, 4)) {
      const endpoint = await fetch(`${testEnv.ariUrl}/ari/endpoints/PJSIP/${n}`, { headers: ariAuth });
      expect({ where, n, endpoint: endpoint.status }).toEqual({ where, n, endpoint: 200 });
      expect({ where, n, register: await register(n, mysql.get(n)!.secret) }).toEqual({
        where,
        n,
        register: 200,
      });
    }
    // A deleted number keeps no registration in Asterisk's astdb (else a number created again
    // would ring the old owner's phones).
    for (const n of [...deleted].filter((d) => !mysql.has(d))) {
      expect({ where, n, contacts: await storedContacts(n) }).toEqual({ where, n, contacts: [] });
    }
    for (const n of [...deleted].filter((d) => !mysql.has(d)).slice(0, 2)) {
      expect({ where, n, deletedAccepted: (await register(n, 'whatever-secret-1')) === 200 }).toEqual({
        where,
        n,
        deletedAccepted: false,
      });
    }
  }

  it.each(SEEDS)(
    'seed %i: Asterisk holds exactly what MySQL says after every round',
    async (seed) => {
      const rnd = mulberry32(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
      const secret = () => `S${Math.floor(rnd() * 1e12).toString(36)}x${seed}abcdefgh`;
      const codecs = () => {
        const c = CODECS.filter(() => rnd() < 0.6);
        return c.length > 0 ? c : ['ulaw'];
      };
      try {
        // A fresh set of extensions for each seed, seeded straight into MySQL like a migration.
        await sb.kill('SIGTERM');
        await db('extensions').delete();
        const base = 200_000 + (seed % 70) * 10_000;
        const rows = Array.from({ length: SEEDED }, (_, i) => ({
          number: String(base + i),
          display_name: `Stress ${i}`,
          sip_secret: `seedSecret${i}x${seed}abcd`,
          codecs: 'ulaw,alaw',
          max_contacts: 1,
        }));
        for (let i = 0; i < rows.length; i += 1000) await db('extensions').insert(rows.slice(i, i + 1000));
        await sb.start();
        const admin = (await db('users').where({ username: 'admin' }).first()) as { id: number };
        token = await createApiToken(db, admin.id, 'stress');
        const first = await settle();
        expect({ seed, first: first.status }).toEqual({
          seed,
          first: expect.stringMatching(/succeeded|unchanged/),
        });

        const model = new Map(
          rows.map((r) => [r.number, { secret: r.sip_secret, codecs: ['ulaw', 'alaw'] }]),
        );
        let next = base + SEEDED;
        const gone = new Set<string>();
        for (let round = 0; round < ROUNDS; round++) {
          const touched = new Set<string>();
          const previous = new Map<string, string>();
          const deleted = new Set<string>();
          const recreated = new Set<string>();
          const existing = () => [...model.keys()];
          // Each client owns the numbers equal to its index modulo CLIENTS, so acknowledged
          // operations have one order and the model stays exact.
          const client = async (k: number) => {
            for (let i = 0; i < OPS_PER_CLIENT; i++) {
              const mine = existing().filter((n) => Number(n) % CLIENTS === k);
              const op = pick([
                'create',
                'secret',
                'codecs',
                'delete',
                'csv-create',
                'csv-upsert',
                'again',
              ] as const);
              if (op === 'again' && mine.length > 0) {
                // Deleted, then created again right away with a new secret: the delete's apply may
                // still run when the create arrives, or both may be served by one apply.
                const n = pick(mine);
                const del = await api('DELETE', `/api/v1/extensions/${n}`);
                if (del.status !== 204) throw new Error(`delete answered ${del.status}: ${del.text}`);
                model.delete(n);
                deleted.add(n);
                const e = { secret: secret(), codecs: codecs() };
                const res = await api('POST', '/api/v1/extensions', {
                  number: n,
                  display_name: 'Stress Again',
                  sip_secret: e.secret,
                  codecs: e.codecs,
                });
                if (res.status !== 201) throw new Error(`create again answered ${res.status}: ${res.text}`);
                model.set(n, e);
                recreated.add(n);
                touched.add(n);
                continue;
              }
              if (op === 'create' || op === 'csv-create') {
                const ns: string[] = [];
                for (let j = 0; j < (op === 'create' ? 1 : 2); j++) {
                  // Half the time a number deleted earlier comes back: the same id deleted and
                  // created again, possibly within one coalesced apply.
                  const reuse = [...gone].filter((n) => Number(n) % CLIENTS === k && !ns.includes(n));
                  if (reuse.length > 0 && rnd() < 0.5) {
                    const n = pick(reuse);
                    gone.delete(n);
                    recreated.add(n);
                    ns.push(n);
                    continue;
                  }
                  while (next % CLIENTS !== k) next++;
                  ns.push(String(next++));
                }
                const exts = ns.map((n) => ({ n, secret: secret(), codecs: codecs() }));
                const res =
                  op === 'create'
                    ? await api('POST', '/api/v1/extensions', {
                        number: exts[0]!.n,
                        display_name: 'Stress New',
                        sip_secret: exts[0]!.secret,
                        codecs: exts[0]!.codecs,
                      })
                    : await api(
                        'POST',
                        '/api/v1/extensions/import?mode=create',
                        `number,display_name,sip_secret,codecs\n${exts
                          .map((e) => `${e.n},Stress CSV,${e.secret},${e.codecs.join('|')}`)
                          .join('\n')}\n`,
                        'text/csv',
                      );
                if (res.status >= 300) throw new Error(`${op} answered ${res.status}: ${res.text}`);
                for (const e of exts) {
                  model.set(e.n, { secret: e.secret, codecs: e.codecs });
                  touched.add(e.n);
                }
              } else if (mine.length > 0) {
                const n = pick(mine);
                const ext = model.get(n)!;
                if (op === 'delete') {
                  const res = await api('DELETE', `/api/v1/extensions/${n}`);
                  if (res.status !== 204) throw new Error(`delete answered ${res.status}: ${res.text}`);
                  model.delete(n);
                  deleted.add(n);
                  gone.add(n);
                } else if (op === 'codecs') {
                  const c = codecs();
                  const res = await api('PATCH', `/api/v1/extensions/${n}`, { codecs: c });
                  if (res.status !== 200) throw new Error(`codecs answered ${res.status}: ${res.text}`);
                  model.set(n, { ...ext, codecs: c });
                } else {
                  const s = secret();
                  const res =
                    op === 'secret'
                      ? await api('PATCH', `/api/v1/extensions/${n}`, { sip_secret: s })
                      : await api(
                          'POST',
                          '/api/v1/extensions/import?mode=upsert',
                          `number,display_name,sip_secret,codecs\n${n},Stress Upsert,${s},${ext.codecs.join('|')}\n`,
                          'text/csv',
                        );
                  if (res.status >= 300) throw new Error(`${op} answered ${res.status}: ${res.text}`);
                  if (!previous.has(n)) previous.set(n, ext.secret);
                  model.set(n, { ...ext, secret: s });
                }
                touched.add(n);
              }
            }
          };
          const written = round === 2 ? pjsipWritten() : null;
          const clients = Promise.all(Array.from({ length: CLIENTS }, (_, k) => client(k)));
          if (written) {
            // SIGKILL once an apply has written pjsip.conf, possibly before it has told Asterisk, then
            // start again on the same database: acknowledged writes are in MySQL, and the next
            // apply must bring Asterisk in line although the file already says the new state.
            await written;
            // Where in that apply the kill lands is the seed's choice: within 250 ms it may be
            // before the push, or in the middle of a reload of res_pjsip.
            await new Promise((r) => setTimeout(r, Math.floor(rnd() * 250)));
            await sb.kill('SIGKILL');
            await clients.catch(() => undefined);
            await sb.start();
            // Writes in flight when it died may or may not have committed: MySQL is the truth.
            model.clear();
            for (const [n, e] of await mysqlModel()) model.set(n, e);
          } else {
            await clients;
          }
          if (round === 4) {
            // Asterisk restarts (its memory objects are gone; it reads the files again).
            await sandbox('stop');
            await sandbox('start');
          }
          const last = await settle();
          expect({ seed, round, status: last.status, error: last.error }).toEqual({
            seed,
            round,
            status: expect.stringMatching(/succeeded|unchanged/),
            error: null,
          });
          await assertAgrees(seed, round, model, touched, previous, deleted, recreated, rnd);
        }
      } catch (err) {
        process.stderr.write(`apply stress failed with seed ${seed} (STRESS_SEEDS=${seed} to replay)\n`);
        throw err;
      }
      // A round takes a few seconds; the longer runs of the bench need more than jest's default.
    },
    60_000 + ROUNDS * 15_000,
  );
});
