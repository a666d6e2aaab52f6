import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pino from 'pino';
import { createApiToken } from '../../src/auth/tokens';
import { findByUsername } from '../../src/auth/users.repo';
import { loadConfig } from '../../src/config';
import { createKnex } from '../../src/db/knex';
import { createLogger } from '../../src/lib/log';
import { createSwitchboard, type Switchboard } from '../../src/server';
import { prepareTestDatabase } from './db-template';
import { remoteAsteriskEnv, requireAsterisk, testEnv } from './env';
import { noteSecret, noteSecretsIn, noteSecretsInCsv } from './secret-ledger';
import { seedUser } from './users';

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

export interface AppliedRevision {
  id: number;
  status: string;
  error: string | null;
}

export interface TestApp {
  url: string;
  sb: Switchboard;
  tokens: { admin: string; supervisor: string; user: string };
  dbName: string;
  api<T = any>(
    method: string,
    path: string,
    opts?: { token?: string | null; body?: unknown; contentType?: string },
  ): Promise<ApiResponse<T>>;
  applyNow(): Promise<
    AppliedRevision & { files_changed: string[]; modules_reloaded: string[]; objects_pushed: number }
  >;
  // Waits until every apply that the writes so far requested has run, fails if any of them
  // failed, and returns the last one that changed Asterisk (or, when none was requested since the
  // previous call, a forced apply's result). Unlike applyNow() alone, it neither races the save's
  // own apply nor takes "unchanged" for proof that the change went through.
  applied(): Promise<AppliedRevision>;
  // Waits until every apply requested so far has run, whatever its result: a test that compares
  // the config files before and after a refused write must not take its "before" mid-apply.
  settled(): Promise<void>;
  close(): Promise<void>;
}

// In a run (the runner sets TEST_RUN_DIR), Switchboard logs at debug to the run's logs folder
// rather than nowhere: those files are what the runner's secret scan greps (secret-scan.ts), so a
// secret that reaches a log line fails the run. One file per lane, opened once per jest process.
let runLogStream: pino.DestinationStream | null | undefined;
function runLog(): pino.DestinationStream | null {
  if (runLogStream !== undefined) return runLogStream;
  const run = process.env['TEST_RUN_DIR'];
  runLogStream = run
    ? pino.destination({
        dest: join(run, 'logs', `switchboard-lane-${process.env['TEST_LANE'] ?? '0'}.log`),
        mkdir: true,
        sync: true,
      })
    : null;
  return runLogStream;
}

// A real Switchboard on a fresh MariaDB database of its own, listening on a free port.
// reuse: start on an existing database (a restart): its users are kept, and close() with
// keepDatabase leaves the database for the next start.
export async function startTestApp(
  overrides: Record<string, string> = {},
  reuse: { dbName?: string; keepDatabase?: boolean } = {},
): Promise<TestApp> {
  const dbName = reuse.dbName ?? `sb_test_${randomBytes(5).toString('hex')}`;
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? (runLog() ? 'debug' : 'silent'),
    DATABASE_URL: `${testEnv.mysqlServer}/${dbName}`,
    ARI_URL: testEnv.ariUrl,
    ARI_USERNAME: testEnv.ariUsername,
    ARI_PASSWORD: testEnv.ariPassword || 'unset',
    ASTERISK_CONFIG_DIR: testEnv.asteriskConfigDir || '/nonexistent',
    ASTERISK_SOUNDS_DIR: testEnv.asteriskSoundsDir,
    ASTERISK_SPOOL_DIR: testEnv.asteriskSpoolDir,
    ASTERISK_LOG_DIR: testEnv.asteriskLogDir,
    SWITCHBOARD_STATE_DIR: testEnv.stateDir,
    // Each test's database reads only the calls made after it started, not the whole run's.
    CALLDATA_HISTORY: 'skip',
    APPLY_DEBOUNCE_MS: '10',
    LOGIN_RATE_LIMIT: '5',
    // The shared phone helpers authenticate as the extension number from 127.0.0.1, and suites
    // send wrong secrets on purpose; test/e2e/sip-bans.test.ts turns both back to the defaults.
    SIP_AUTH_USERNAME: 'number',
    SIP_BAN_ALLOWLIST: '127.0.0.1',
    // No test app takes a backup at 02:30 in the middle of a run.
    BACKUP_SCHEDULE: '',
    ...(testEnv.asteriskControl === 'ami' ? remoteAsteriskEnv() : {}),
    ...overrides,
  });
  if (!reuse.dbName) await prepareTestDatabase(testEnv.mysqlServer, dbName);
  // A suite that asks for a level wants those lines in the lane's output (scanned as well).
  const toFile = overrides['LOG_LEVEL'] === undefined && process.env['TEST_LOG_LEVEL'] === undefined;
  const sb = await createSwitchboard(
    config,
    createLogger(config.logLevel, (toFile && runLog()) || undefined),
  );
  if (
    (testEnv.asteriskControl === 'ami' || overrides['ASTERISK_CONTROL'] === 'ami') &&
    sb.deps.control.via !== 'ami' &&
    overrides['ASTERISK_CONTROL'] !== 'cli'
  )
    throw new Error(
      'asked for a remote Asterisk (AMI), but this Switchboard controls Asterisk through its CLI',
    );
  const port = await sb.listen();
  const db = sb.deps.db;
  const existing = async (username: string) => {
    const row = reuse.dbName ? await findByUsername(db, username) : undefined;
    return row?.id;
  };
  const ids = {
    admin:
      (await existing('admin')) ??
      (await seedUser(db, { username: 'admin', password: 'admin-password-1', role: 'admin' })),
    supervisor:
      (await existing('super')) ??
      (await seedUser(db, { username: 'super', password: 'super-password-1', role: 'supervisor' })),
    user:
      (await existing('alice')) ??
      (await seedUser(db, {
        username: 'alice',
        password: 'alice-password-1',
        role: 'user',
        extensionNumber: '1001',
      })),
  };
  const tokens = {
    admin: await createApiToken(db, ids.admin, 'test'),
    supervisor: await createApiToken(db, ids.supervisor, 'test'),
    user: await createApiToken(db, ids.user, 'test'),
  };
  for (const token of Object.values(tokens)) noteSecret(token);
  const url = `http://127.0.0.1:${port}`;
  // Revisions up to this id have been looked at by applied().
  let seenRevision = 0;
  const app: TestApp = {
    url,
    sb,
    tokens,
    dbName,
    async api(method, path, opts = {}) {
      const headers: Record<string, string> = {};
      const token = opts.token === undefined ? tokens.admin : opts.token;
      if (token) headers['authorization'] = `Bearer ${token}`;
      let body: string | undefined;
      if (opts.body !== undefined) {
        headers['content-type'] = opts.contentType ?? 'application/json';
        body = typeof opts.body === 'string' && opts.contentType ? opts.body : JSON.stringify(opts.body);
      }
      // What the suites set and are handed goes on the run's secret ledger (secret-ledger.ts).
      if (typeof opts.body === 'string') noteSecretsInCsv(opts.body);
      else noteSecretsIn(opts.body);
      const res = await fetch(url + path, { method, headers, body: body ?? null });
      const text = await res.text();
      let parsed: unknown = text;
      if (res.headers.get('content-type')?.includes('json') && text) parsed = JSON.parse(text);
      if (res.headers.get('content-type')?.includes('csv')) noteSecretsInCsv(text);
      else noteSecretsIn(parsed);
      return { status: res.status, body: parsed as never, headers: res.headers, text };
    },
    async applyNow() {
      const res = await app.api('POST', '/api/v1/apply');
      if (res.status !== 200) throw new Error(`apply answered ${res.status}: ${res.text}`);
      return res.body;
    },
    async settled() {
      await sb.deps.applyQueue.settled();
    },
    async applied() {
      await sb.deps.applyQueue.settled();
      const res = await app.api<{ items: AppliedRevision[] }>('GET', '/api/v1/apply?limit=200');
      if (res.status !== 200) throw new Error(`GET /api/v1/apply answered ${res.status}: ${res.text}`);
      const fresh = res.body.items.filter((r) => r.id > seenRevision).sort((a, b) => a.id - b.id);
      seenRevision = Math.max(seenRevision, ...res.body.items.map((r) => r.id));
      const failed = fresh.filter((r) => r.status === 'failed');
      if (failed.length > 0) throw new Error(`apply failed: ${JSON.stringify(failed)}`);
      const changed = fresh.filter((r) => r.status === 'succeeded').pop();
      if (changed) return changed;
      const forced = await app.applyNow();
      seenRevision = Math.max(seenRevision, forced.id);
      if (forced.status === 'failed') throw new Error(`apply failed: ${JSON.stringify(forced)}`);
      return forced;
    },
    async close() {
      await sb.stop();
      if (reuse.keepDatabase) return;
      const admin = createKnex(`${testEnv.mysqlServer}/`, { min: 0, max: 1 });
      await admin.raw(`DROP DATABASE IF EXISTS \`${dbName}\``);
      await admin.destroy();
    },
  };
  // Whatever the app did at start is not what a suite's first applied() is about.
  await sb.deps.applyQueue.settled();
  const latest = await app.api<{ latest: AppliedRevision | null }>('GET', '/api/v1/apply?limit=1');
  seenRevision = latest.body.latest?.id ?? 0;
  return app;
}

// One Switchboard per test file: started before the first test, closed (its database dropped)
// after the last. The returned object forwards to that instance. `setUp` runs once it has
// started (the suite's fixtures); `tearDown` runs before it closes, which it does even when
// `tearDown` fails.
export function useTestApp(
  overrides: Record<string, string> = {},
  hooks: { setUp?: (app: TestApp) => Promise<unknown>; tearDown?: (app: TestApp) => Promise<unknown> } = {},
): TestApp {
  let current: TestApp | undefined;
  beforeAll(async () => {
    requireAsterisk();
    current = await startTestApp(overrides);
    await hooks.setUp?.(current);
  });
  afterAll(async () => {
    if (!current) return;
    try {
      await hooks.tearDown?.(current);
    } finally {
      await current.close();
    }
  });
  return new Proxy({} as TestApp, {
    get(_target, prop) {
      if (!current) throw new Error('the test app is not started yet (use it inside a test or hook)');
      const value = current[prop as keyof TestApp];
      return typeof value === 'function' ? value.bind(current) : value;
    },
  });
}

// ---- Objects a suite sets up through the API (its subject is elsewhere).

// POSTs and fails unless the API answers 201; returns the created object.
export async function apiCreate<T = { id: number }>(app: TestApp, path: string, body: unknown): Promise<T> {
  const res = await app.api('POST', path, { body });
  if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${res.text}`);
  return res.body as T;
}

// Creates the extensions "<label> <number>" (with any other `fields`); returns each one's SIP
// secret, also kept in `secrets` when given.
export async function createExtensions(
  app: TestApp,
  numbers: readonly string[],
  opts: {
    secrets?: Map<string, string>;
    label?: string;
    fields?: (number: string) => Record<string, unknown>;
  } = {},
): Promise<Map<string, string>> {
  const secrets = opts.secrets ?? new Map<string, string>();
  for (const number of numbers) {
    const ext = await apiCreate<{ sip_secret: string }>(app, '/api/v1/extensions', {
      number,
      display_name: `${opts.label ?? 'Phone'} ${number}`,
      ...opts.fields?.(number),
    });
    secrets.set(number, ext.sip_secret);
  }
  return secrets;
}

// The API paths of extensions, to delete them.
export const extensionPaths = (numbers: Iterable<string>): string[] =>
  [...numbers].map((n) => `/api/v1/extensions/${n}`);

// The API paths of every item a collection (e.g. /api/v1/greetings) lists, to delete them.
export async function listedPaths(app: TestApp, collection: string): Promise<string[]> {
  const res = await app.api<{ items?: Array<{ id: number }> }>('GET', collection);
  return (res.body.items ?? []).map((item) => `${collection}/${item.id}`);
}

// An inbound route from a DID to a destination; returns its id.
export async function createInboundRoute(
  app: TestApp,
  name: string,
  did: string,
  destination: { type: string; target: string },
): Promise<number> {
  return (await apiCreate(app, '/api/v1/inbound-routes', { name, did, destination })).id;
}

// Deletes through the API (so Asterisk's memory copies go too), in the order given, then
// applies. A failed apply at the end of a call suite is not that suite's failure unless
// `applyMustSucceed`.
export async function deleteAll(
  app: TestApp,
  paths: readonly string[],
  opts: { applyMustSucceed?: boolean } = {},
): Promise<void> {
  for (const path of paths) await app.api('DELETE', path);
  if (opts.applyMustSucceed) await app.applyNow();
  else await app.applyNow().catch(() => undefined);
}
