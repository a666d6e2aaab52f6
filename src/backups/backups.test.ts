import { execFile, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import {
  apiCreate,
  createExtensions,
  createInboundRoute,
  startTestApp,
  type TestApp,
} from '../../test/support/app';
import { snapshotConfig } from '../../test/support/config-files';
import { requireAsterisk, testEnv } from '../../test/support/env';
import { answerCalls, killAllSipp, phoneFor, placeCall, register, succeeded } from '../../test/support/sip';
import { createKnex } from '../db/knex';
import { type Manifest, stageBackup } from './archive';

// Backup → restore on a fresh database and a fresh secrets key → the same generated
// configuration, byte for byte, and phones that register and call with their old credentials.

const PASSPHRASE = `backup-pass-${randomBytes(6).toString('hex')}`;
const work = mkdtempSync(join(tmpdir(), 'sb-backups-'));
const backupDir = join(work, 'backups');
const spool1 = join(work, 'spool1');
const spool2 = join(work, 'spool2');
const state2 = join(work, 'state2');
const CLI = join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');
const MAIN = join(__dirname, '..', 'cli', 'main.ts');

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const hashes = (files: Record<string, string>) =>
  Object.fromEntries(Object.entries(files).map(([k, v]) => [k, sha(v)]));

// Every file under dir, relative path → sha256.
function treeHashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    let entries: string[];
    try {
      entries = readdirSync(join(dir, rel));
    } catch {
      return;
    }
    for (const e of entries.sort()) {
      const path = join(dir, rel, e);
      if (statSync(path).isDirectory()) walk(join(rel, e));
      else out[join(rel, e)] = sha(readFileSync(path));
    }
  };
  walk('');
  return out;
}

const greetingsDir = join(testEnv.asteriskSoundsDir, 'switchboard');
// The music-on-hold folder the test apps use (ASTERISK_MOH_DIR's default).
const mohDir = join(dirname(testEnv.asteriskSoundsDir), 'moh');
const mohClassDirs = () => readdirSync(mohDir).filter((n) => n.startsWith('sb-moh-'));
const mohHashes = () => Object.fromEntries(mohClassDirs().map((d) => [d, treeHashes(join(mohDir, d))]));

function tone(seconds: number): Buffer {
  const out = join(work, `tone-${seconds}.wav`);
  execFileSync('sox', ['-n', '-r', '8000', '-c', '1', out, 'synth', String(seconds), 'sine', '440']);
  return readFileSync(out);
}

async function waitJob(
  app: TestApp,
  id: number,
): Promise<{ status: string; file_name: string; error: string | null }> {
  for (;;) {
    const res = await app.api<{ status: string; file_name: string; error: string | null }>(
      'GET',
      `/api/v1/backups/jobs/${id}`,
    );
    if (res.status !== 200) throw new Error(`job ${id}: ${res.status} ${res.text}`);
    if (res.body.status !== 'running') return res.body;
    await new Promise((r) => setTimeout(r, 50));
  }
}

function cli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      CLI,
      [MAIN, ...args],
      { env: { ...process.env, ...env }, timeout: 120_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

// What a restore must not change when it refuses: every table's checksum, and the files.
async function fingerprint(dbName: string): Promise<string> {
  const db = createKnex(`${testEnv.mysqlServer}/${dbName}`, { min: 0, max: 1 });
  try {
    const [tables] = (await db.raw(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY table_name",
    )) as [Array<{ name: string }>];
    const sums: string[] = [];
    for (const t of tables) {
      const [rows] = (await db.raw('CHECKSUM TABLE ??', [t.name])) as [Array<{ Checksum: unknown }>];
      sums.push(`${t.name}:${String(rows[0]?.Checksum)}`);
    }
    return sums.join('\n') + JSON.stringify([treeHashes(greetingsDir), treeHashes(spool2), mohHashes()]);
  } finally {
    await db.destroy();
  }
}

// A copy of the backup with one member's bytes changed (same size): only the sha256 tells.
async function tampered(file: string, member: RegExp): Promise<Buffer> {
  const extract = tar.extract();
  const pack = tar.pack();
  const input = gunzipSync(readFileSync(file));
  const entries: Array<{ name: string; data: Buffer }> = [];
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      entries.push({ name: entry.header.name, data: Buffer.concat(chunks) });
    }
  })();
  extract.end(input);
  await done;
  let changed = false;
  for (const e of entries) {
    let data = e.data;
    if (!changed && member.test(e.name) && data.length > 0) {
      data = Buffer.from(data);
      data[data.length - 2] = (data[data.length - 2] ?? 0) ^ 0x01;
      changed = true;
    }
    pack.entry({ name: e.name, size: data.length }, data);
  }
  if (!changed) throw new Error(`no member matches ${member}`);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

let app1: TestApp | undefined;
let app2: TestApp | undefined;
let app3: TestApp | undefined;
const secrets = new Map<string, string>();

beforeAll(() => {
  requireAsterisk();
  for (const d of [backupDir, spool1, spool2, state2]) mkdirSync(d, { recursive: true });
});

afterAll(async () => {
  killAllSipp();
  await app1?.close();
  await app3?.close();
  if (app2 && !app3) {
    const admin = createKnex(`${testEnv.mysqlServer}/`, { min: 0, max: 1 });
    await admin.raw(`DROP DATABASE IF EXISTS \`${app2.dbName}\``);
    await admin.destroy();
  }
  rmSync(work, { recursive: true, force: true });
});

describe('backup and restore', () => {
  let backupFile = '';
  let configBefore: Record<string, string> = {};
  let greetingsBefore: Record<string, string> = {};
  let voicemailBefore: Record<string, string> = {};
  let mohBefore: Record<string, Record<string, string>> = {};

  it('takes scheduled backups (BACKUP_SCHEDULE) and keeps the newest BACKUP_KEEP', async () => {
    const dir = join(work, 'scheduled');
    // Every second, so the test sees several runs; one at a time (noOverlap).
    const app = await startTestApp({ BACKUP_DIR: dir, BACKUP_SCHEDULE: '* * * * * *', BACKUP_KEEP: '1' });
    try {
      const db = app.sb.deps.db;
      let done: Array<{ file_name: string; status: string }> = [];
      while (done.length < 2) {
        done = await db('backup_jobs')
          .where({ requested_by: 'schedule' })
          .whereNot({ status: 'running' })
          .orderBy('id');
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(done.map((j) => j.status)).toEqual(done.map(() => 'succeeded'));
      const left = readdirSync(dir).filter((n) => n.endsWith('.tar.gz'));
      // The newest finished one is there (a later run may have replaced it since).
      const latest = (await db('backup_jobs')
        .where({ status: 'succeeded' })
        .orderBy('id', 'desc')
        .first()) as {
        file_name: string;
      };
      expect(left).toHaveLength(1);
      expect(left[0]).toBe(latest.file_name);
    } finally {
      await app.close();
    }
  }, 120_000);

  it('marks a backup cut short by a stop as failed at the next start, and removes what it left', async () => {
    const dir = join(work, 'interrupted');
    mkdirSync(dir, { recursive: true });
    const first = await startTestApp({ BACKUP_DIR: dir }, { keepDatabase: true });
    await first.sb.deps.db('backup_jobs').insert({
      status: 'running',
      file_name: 'switchboard-20261208-010000-abcdef.tar.gz',
      recordings: false,
      requested_by: 'admin',
    });
    writeFileSync(join(dir, '.0123456789ab.partial'), 'half a backup');
    await first.close();
    const again = await startTestApp({ BACKUP_DIR: dir }, { dbName: first.dbName });
    try {
      const res = await again.api<{ jobs: Array<{ status: string; error: string }> }>(
        'GET',
        '/api/v1/backups',
      );
      expect(res.body.jobs).toEqual([
        expect.objectContaining({
          status: 'failed',
          error: 'interrupted: Switchboard stopped during the backup',
        }),
      ]);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      await again.close();
    }
  }, 60_000);

  it('takes a backup through the API: 202 with a job, listed, downloaded byte for byte', async () => {
    app1 = await startTestApp({
      BACKUP_DIR: backupDir,
      BACKUP_PASSPHRASE: PASSPHRASE,
      BACKUP_KEEP: '2',
      ASTERISK_SPOOL_DIR: spool1,
    });
    const a = app1;
    await createExtensions(a, ['2301', '2302', '2303'], { secrets, label: 'Backup' });
    const greeting = await apiCreate(a, '/api/v1/greetings', {
      name: 'Backup welcome',
      default_language: 'en',
      tts_text: 'Welcome to the backup test.',
    });
    const trunk = await apiCreate(a, '/api/v1/trunks', {
      name: 'backup-carrier',
      kind: 'registration',
      host: 'carrier.example.com',
      username: 'backup',
      password: `Trunk-${randomBytes(6).toString('hex')}`,
    });
    await apiCreate(a, '/api/v1/outbound-routes', {
      name: 'Backup national',
      patterns: ['_9NXXXXXX'],
      class: 'national',
      trunk_ids: [trunk.id],
    });
    const ivr = await apiCreate(a, '/api/v1/ivrs', {
      name: 'Backup menu',
      prompt_greeting_id: greeting.id,
      invalid_destination: { type: 'extension', target: '2301' },
    });
    await apiCreate(a, '/api/v1/queues', {
      number: '2370',
      name: 'Backup queue',
      members: [{ extension: '2302', dynamic: true }],
      failover_destination: { type: 'extension', target: '2303' },
    });
    await apiCreate(a, '/api/v1/voicemail-boxes', { number: '2301', pin: '842613' });
    await createInboundRoute(a, 'Backup DID', '3225559901', { type: 'ivr', target: String(ivr.id) });
    const moh = await apiCreate(a, '/api/v1/moh', { name: 'Backup hold' });
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(tone(2))], { type: 'audio/wav' }), 'hold.wav');
    const uploaded = await fetch(`${a.url}/api/v1/moh/${moh.id}/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${a.tokens.admin}` },
      body: form,
    });
    expect(uploaded.status).toBe(201);
    await a.applied();
    // A voicemail message as Asterisk leaves it in the spool.
    const inbox = join(spool1, 'voicemail', 'switchboard', '2301', 'INBOX');
    mkdirSync(inbox, { recursive: true });
    writeFileSync(join(inbox, 'msg0000.txt'), '[message]\ncallerid="Test" <2302>\nduration=3\n');
    writeFileSync(join(inbox, 'msg0000.wav'), randomBytes(4000));
    configBefore = hashes(snapshotConfig());
    greetingsBefore = treeHashes(greetingsDir);
    voicemailBefore = treeHashes(join(spool1, 'voicemail', 'switchboard'));
    mohBefore = mohHashes();
    // Other suites of the lane may have left classes of their own: this one must be there.
    expect(Object.keys(mohBefore)).toContain(`sb-moh-${moh.id}`);
    expect(Object.keys(greetingsBefore).length).toBeGreaterThan(0);

    const started = Date.now();
    const res = await a.api<{ id: number; status: string; file_name: string }>('POST', '/api/v1/backups', {
      body: {},
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toBe(`/api/v1/backups/jobs/${res.body.id}`);
    const job = await waitJob(a, res.body.id);
    const ms = Date.now() - started;
    expect(job).toMatchObject({ status: 'succeeded', error: null });
    backupFile = join(backupDir, job.file_name);
    const size = statSync(backupFile).size;
    process.stderr.write(`backup figures: ${size} bytes in ${ms} ms (API job, test data)\n`);

    const list = await a.api<{ items: Array<{ name: string; size: number }> }>('GET', '/api/v1/backups');
    expect(list.body.items).toContainEqual(expect.objectContaining({ name: job.file_name, size }));
    const download = await fetch(`${a.url}/api/v1/backups/${job.file_name}/download`, {
      headers: { authorization: `Bearer ${a.tokens.admin}` },
    });
    expect(download.status).toBe(200);
    expect(sha(Buffer.from(await download.arrayBuffer()))).toBe(sha(readFileSync(backupFile)));
    // A download the client abandons part-way closes the file: no descriptor stays open on it.
    const big = join(backupDir, 'switchboard-20000101-000000-abcdef.tar.gz');
    writeFileSync(big, Buffer.alloc(64 * 1024 * 1024));
    const openOnBig = () =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(join('/proc/self/fd', fd)) === big;
        } catch {
          return false;
        }
      }).length;
    try {
      for (let i = 0; i < 3; i++) {
        await new Promise<void>((resolve, reject) => {
          const req = httpGet(
            `${a.url}/api/v1/backups/${basename(big)}/download`,
            { headers: { authorization: `Bearer ${a.tokens.admin}` } },
            (res) => {
              res.once('data', () => {
                req.destroy();
                resolve();
              });
            },
          );
          req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
        });
      }
      const deadline = Date.now() + 5_000;
      while (openOnBig() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(openOnBig()).toBe(0);
    } finally {
      rmSync(big, { force: true });
    }
    // Not for other roles, and not for names outside the backup folder's pattern.
    expect((await a.api('GET', '/api/v1/backups', { token: a.tokens.supervisor })).status).toBe(403);
    expect((await a.api('GET', '/api/v1/backups/..%2Fsecrets.key/download')).status).toBe(404);

    // The CLI writes the same kind of file, from the same database and folders.
    const fromCli = await cli(['backup', 'create', '--out', join(work, 'cli.tar.gz')], {
      DATABASE_URL: `${testEnv.mysqlServer}/${a.dbName}`,
      SWITCHBOARD_STATE_DIR: testEnv.stateDir,
      ASTERISK_SOUNDS_DIR: testEnv.asteriskSoundsDir,
      ASTERISK_SPOOL_DIR: spool1,
      BACKUP_DIR: backupDir,
    });
    expect({ code: fromCli.code, stdout: fromCli.stdout }).toEqual({
      code: 0,
      stdout: `${join(work, 'cli.tar.gz')}\n`,
    });
    const staged = await stageBackup(join(work, 'cli.tar.gz'));
    try {
      const names = (m: Manifest) => m.members.map((x) => x.name).filter((n) => !n.startsWith('keys/'));
      const apiStaged = await stageBackup(backupFile);
      expect(names(staged.manifest)).toEqual(names(apiStaged.manifest));
      expect(staged.manifest.key.wrapped).toBe(false);
      expect(apiStaged.manifest.key.wrapped).toBe(true);
      await apiStaged.dispose();
    } finally {
      await staged.dispose();
    }

    // The archive never holds a secret in clear.
    const raw = gunzipSync(readFileSync(backupFile)).toString('latin1');
    for (const secret of secrets.values()) expect(raw).not.toContain(secret);
  }, 240_000);

  it('keeps only BACKUP_KEEP backups: the oldest go', async () => {
    const a = app1 as TestApp;
    // The first one is about to be retired: a copy is kept for the restore.
    const kept = join(work, 'kept.tar.gz');
    writeFileSync(kept, readFileSync(backupFile));
    const first = backupFile.split('/').pop() as string;
    backupFile = kept;
    const names: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await a.api<{ id: number }>('POST', '/api/v1/backups', { body: {} });
      expect(res.status).toBe(202);
      names.push((await waitJob(a, res.body.id)).file_name);
    }
    const left = readdirSync(backupDir).filter((n) => n.endsWith('.tar.gz'));
    expect(left.sort()).toEqual([...names].sort());
    expect(left).not.toContain(first);
  }, 120_000);

  it('refuses a random file, a truncated backup, a tampered member, a missing passphrase, and changes nothing', async () => {
    await app1?.close();
    app1 = undefined;
    // The greetings on disk go too: the restore must bring them back.
    rmSync(greetingsDir, { recursive: true, force: true });
    for (const d of mohClassDirs()) rmSync(join(mohDir, d), { recursive: true, force: true });
    // A fresh install: its own database and its own secrets key.
    app2 = await startTestApp(
      { BACKUP_DIR: backupDir, SWITCHBOARD_STATE_DIR: state2, ASTERISK_SPOOL_DIR: spool2 },
      { keepDatabase: true },
    );
    // An apply of the empty database: the restored one must render the files again.
    await app2.applyNow();
    await app2.close();
    expect(hashes(snapshotConfig())).not.toEqual(configBefore);
    const env = {
      DATABASE_URL: `${testEnv.mysqlServer}/${app2.dbName}`,
      SWITCHBOARD_STATE_DIR: state2,
      ASTERISK_SOUNDS_DIR: testEnv.asteriskSoundsDir,
      ASTERISK_SPOOL_DIR: spool2,
      BACKUP_DIR: backupDir,
    };
    const before = await fingerprint(app2.dbName);
    const bytes = readFileSync(backupFile);
    const cases: Array<[string, Buffer, RegExp]> = [
      ['random', randomBytes(50_000), /not a Switchboard backup: not a gzip archive/],
      ['truncated', bytes.subarray(0, Math.floor(bytes.length * 0.6)), /truncated/],
      [
        'tampered-db',
        await tampered(backupFile, /^db\/extensions\.jsonl$/),
        /corrupt: db\/extensions\.jsonl does not match its sha256/,
      ],
      [
        'tampered-greeting',
        await tampered(backupFile, /^files\/sounds\//),
        /corrupt: files\/sounds\/.* does not match its sha256/,
      ],
    ];
    for (const [name, data, error] of cases) {
      const file = join(work, `${name}.tar.gz`);
      writeFileSync(file, data);
      const res = await cli(['backup', 'restore', file], { ...env, BACKUP_PASSPHRASE: PASSPHRASE });
      expect({ name, code: res.code, stderr: res.stderr.trim() }).toEqual({
        name,
        code: 1,
        stderr: expect.stringMatching(error),
      });
    }
    // Another install's key, and no passphrase to open the one the backup carries.
    const noPass = await cli(['backup', 'restore', backupFile], env);
    expect(noPass.code).toBe(1);
    expect(noPass.stderr).toMatch(/wrapped with a passphrase: set BACKUP_PASSPHRASE/);
    const wrongPass = await cli(['backup', 'restore', backupFile], {
      ...env,
      BACKUP_PASSPHRASE: 'not-the-passphrase',
    });
    expect(wrongPass.stderr).toMatch(/the passphrase does not open the secrets key/);
    expect(await fingerprint(app2.dbName)).toBe(before);
  }, 300_000);

  it('restores onto the fresh install: the same config files byte for byte, and a real call', async () => {
    const dbName = (app2 as TestApp).dbName;
    const env = {
      DATABASE_URL: `${testEnv.mysqlServer}/${dbName}`,
      SWITCHBOARD_STATE_DIR: state2,
      ASTERISK_SOUNDS_DIR: testEnv.asteriskSoundsDir,
      ASTERISK_SPOOL_DIR: spool2,
      BACKUP_DIR: backupDir,
      BACKUP_PASSPHRASE: PASSPHRASE,
    };
    const started = Date.now();
    const res = await cli(['backup', 'restore', backupFile], env);
    expect({ code: res.code, stderr: res.stderr }).toEqual({
      code: 0,
      stderr: expect.stringMatching(/files restored/),
    });
    process.stderr.write(
      `restore figures: ${Date.now() - started} ms (CLI process, incl. tsx start)\n${res.stderr}`,
    );
    expect(res.stderr).toMatch(/secrets re-sealed with this install's key/);
    // A second restore onto what is now a configured database needs --force.
    const again = await cli(['backup', 'restore', backupFile], env);
    expect(again.stderr).toMatch(/already holds configuration \(.*extensions.*\).*--force/);

    // Start Switchboard on the restored database: its start-up apply renders from it.
    app3 = await startTestApp(
      { BACKUP_DIR: backupDir, SWITCHBOARD_STATE_DIR: state2, ASTERISK_SPOOL_DIR: spool2 },
      { dbName },
    );
    await app3.applied();
    expect(hashes(snapshotConfig())).toEqual(configBefore);
    expect(treeHashes(greetingsDir)).toEqual(greetingsBefore);
    expect(treeHashes(join(spool2, 'voicemail', 'switchboard'))).toEqual(voicemailBefore);
    expect(mohHashes()).toEqual(mohBefore);

    const [callee, caller] = await Promise.all([
      phoneFor('2302', secrets.get('2302') as string),
      phoneFor('2301', secrets.get('2301') as string),
    ]);
    await succeeded(register(callee));
    const answering = await answerCalls(callee);
    await succeeded(register(caller));
    await succeeded(placeCall(caller, '2302', { talkMs: 1500 }));
    await succeeded(answering);
  }, 300_000);
});
