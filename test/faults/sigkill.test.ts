import { watch } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { createApiToken } from '../../src/auth/tokens';
import { createKnex } from '../../src/db/knex';
import { mainAri, waitFor } from '../support/asterisk';
import { prepareTestDatabase } from '../support/db-template';
import { requireAsterisk, testEnv } from '../support/env';
import { recordFigure } from '../support/figures';
import { SwitchboardProcess } from '../support/switchboard-process';

// Fault: Switchboard killed with SIGKILL in the middle of a CSV import and in the middle of an
// apply. An import is one transaction: killed half way, none of its rows stay. An apply writes
// each file whole (temp file + rename): killed after pjsip.conf was renamed into place, possibly
// before Asterisk heard of it, no file is half written and the next start brings Asterisk in line
// with MySQL by itself. Switchboard is a child process so it can be killed for real.

jest.setTimeout(240_000);

const CONFIG = testEnv.asteriskConfigDir;
const COUNT = 1_500;
const NUMBERS = Array.from({ length: COUNT }, (_, i) => String(20_000 + i));
const CSV = `number,display_name\n${NUMBERS.map((n) => `${n},Imported ${n}`).join('\n')}\n`;

const dbName = `sb_test_sigkill_${process.pid}`;
const db = createKnex(`${testEnv.mysqlServer}/${dbName}`, { min: 0, max: 2 });
let sb: SwitchboardProcess;
let token = '';

async function api(method: string, path: string, body?: string, contentType = 'application/json') {
  const res = await fetch(sb.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': contentType } : {}) },
    body: body ?? null,
  });
  return { status: res.status, text: await res.text() };
}

// Every apply asked for has run; the newest revision.
async function settle(): Promise<{ status: string; error: string | null }> {
  const res = await api('POST', '/api/v1/apply');
  if (res.status !== 200) throw new Error(`apply: ${res.status} ${res.text}`);
  return JSON.parse(res.text) as { status: string; error: string | null };
}

async function extensionRows(): Promise<number> {
  const [row] = (await db('extensions').count({ n: '*' })) as Array<{ n: number }>;
  return Number(row!.n);
}

// Asterisk's PJSIP endpoints that are extensions of this suite.
async function liveImported(): Promise<number> {
  // ARI answers 404 when Asterisk holds no PJSIP endpoint at all.
  const endpoints = await mainAri<Array<{ resource: string }>>('GET', '/endpoints/PJSIP').catch(
    (err: Error) => {
      if (/ 404 /.test(err.message)) return [];
      throw err;
    },
  );
  return endpoints.filter((e) => /^2\d{4}$/.test(e.resource)).length;
}

// The import's transaction, seen from MariaDB: rows written and not yet committed.
async function importInFlight(): Promise<boolean> {
  const rows = (await db.raw(
    `SELECT t.trx_rows_modified AS n FROM information_schema.innodb_trx t
       JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id WHERE p.db = ?`,
    [dbName],
  )) as [Array<{ n: number }>];
  return rows[0].some((r) => Number(r.n) > 0);
}

async function restart(): Promise<number> {
  const started = Date.now();
  await sb.start();
  const admin = (await db('users').where({ username: 'admin' }).first()) as { id: number };
  token = await createApiToken(db, admin.id, 'sigkill');
  return Date.now() - started;
}

// Resolves when an apply renames a new pjsip.conf into place.
function pjsipWritten(): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      watcher.close();
      reject(new Error('no apply wrote pjsip.conf within 60 s'));
    }, 60_000);
    const watcher = watch(CONFIG, (_event, name) => {
      if (name !== 'pjsip.conf') return;
      clearTimeout(timer);
      watcher.close();
      resolve();
    });
  });
}

async function noTempFiles(): Promise<string[]> {
  return (await readdir(CONFIG)).filter((f) => f.endsWith('.tmp'));
}

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
    ASTERISK_CONFIG_DIR: CONFIG,
    ASTERISK_SOUNDS_DIR: testEnv.asteriskSoundsDir,
    ASTERISK_SPOOL_DIR: testEnv.asteriskSpoolDir,
    ASTERISK_LOG_DIR: testEnv.asteriskLogDir,
    SWITCHBOARD_STATE_DIR: testEnv.stateDir,
    CALLDATA_HISTORY: 'skip',
    APPLY_DEBOUNCE_MS: '10',
    EXTENSION_MIN: '1000',
    EXTENSION_MAX: '99999',
    ADMIN_PASSWORD: 'sigkill-admin-password-1',
  });
  await restart();
  expect((await settle()).error).toBeNull();
}, 120_000);

afterAll(async () => {
  // The lane's Asterisk is shared with the next suites: leave none of these extensions behind.
  if (sb?.child) {
    await db('extensions').delete();
    await settle().catch(() => undefined);
  }
  await sb?.kill('SIGTERM');
  await db.raw(`DROP DATABASE IF EXISTS \`${dbName}\``).catch(() => undefined);
  await db.destroy();
}, 120_000);

it('killed in the middle of a CSV import: none of its rows stay, and the restarted Switchboard agrees with Asterisk', async () => {
  // The import writes its rows, then its audit row, last, in the same transaction: holding
  // audit_log locked from another connection stops it right there, rows written and not
  // committed, however fast the machine (without it, a fast import committed before a poll saw
  // it in flight).
  const holder = await mysql.createConnection(`${testEnv.mysqlServer}/${dbName}`);
  await holder.query('LOCK TABLES audit_log WRITE');
  const request = api('POST', '/api/v1/extensions/import?mode=create', CSV, 'text/csv').catch(
    (err: Error) => ({ status: 0, text: err.message }),
  );
  try {
    await waitFor('the import to be writing rows', importInFlight, 30_000);
    await sb.kill('SIGKILL');
  } finally {
    await holder.query('UNLOCK TABLES');
    await holder.end();
  }
  expect((await request).status).toBe(0); // the client saw the connection drop, never a success
  await waitFor('MariaDB to roll the import back', async () => !(await importInFlight()), 30_000);
  expect(await extensionRows()).toBe(0);

  const startMs = await restart();
  expect((await settle()).error).toBeNull();
  expect(await liveImported()).toBe(0);
  expect(await noTempFiles()).toEqual([]);
  recordFigure('SIGKILL during a CSV import: restarted and serving after', startMs, 'ms');
});

it('killed in the middle of an apply: no file half written, and the next start converges on its own', async () => {
  const written = pjsipWritten();
  const imported = await api('POST', '/api/v1/extensions/import?mode=create', CSV, 'text/csv');
  expect({ status: imported.status, text: imported.status < 300 ? '' : imported.text }).toEqual({
    status: 200,
    text: '',
  });
  expect(await extensionRows()).toBe(COUNT);
  // The import's own apply renames the new pjsip.conf into place; Switchboard dies right then,
  // before or during its push to Asterisk.
  await written;
  await sb.kill('SIGKILL');
  // The kill landed inside the apply: its mark (set before the first write, cleared once
  // Asterisk holds what the files say) is still there.
  expect(await db('apply_marks').count({ n: '*' })).toEqual([{ n: 1 }]);

  // Each file is whole: pjsip.conf holds every extension's complete section, nothing is left
  // over from a write in progress.
  const pjsip = await readFile(join(CONFIG, 'pjsip.conf'), 'utf8');
  for (const type of ['auth', 'aor', 'endpoint'])
    expect(pjsip.match(new RegExp(`^type = ${type}$`, 'gm'))?.length).toBe(COUNT);
  expect(pjsip.endsWith('timers_sess_expires = 1800\n')).toBe(true);
  expect(await noTempFiles()).toEqual([]);

  // Started again, with nobody asking for an apply: it finds the interrupted apply and brings
  // Asterisk in line with MySQL.
  const restartedAt = Date.now();
  await restart();
  await waitFor(
    'Asterisk to hold every imported extension',
    async () => (await liveImported()) === COUNT,
    90_000,
  );
  recordFigure(
    'SIGKILL during an apply: Asterisk converged after the restart in',
    Date.now() - restartedAt,
    'ms',
  );
  const last = await settle();
  expect(last.error).toBeNull();
});
