import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Knex } from 'knex';
import * as tar from 'tar-stream';
import { useTestDb } from '../../test/support/db';
import { testEnv } from '../../test/support/env';
import { loadConfig } from '../config';
import { availableMigrations, createKnex } from '../db/knex';
import { createLogger } from '../lib/log';
import { loadSealingKey, seal, sealingKey, unseal } from '../lib/sealed';
import { BackupError, createBackup, type Manifest, stageBackup, unwrapKey, wrapKey } from './archive';
import { restoreBackup } from './restore';
import { BackupRunner } from './service';

// Schema versions on the real MariaDB: a backup from a newer Switchboard is refused; one from an
// older version restores onto an empty database and, with --force, onto a newer one (its tables
// rebuilt at the backup's version), and ends at this version's schema with the backup's rows.

const work = mkdtempSync(join(tmpdir(), 'sb-restore-'));
const dirs = {
  soundsDir: join(work, 'sounds'),
  mohDir: join(work, 'moh'),
  spoolDir: join(work, 'spool'),
  monitorDir: join(work, 'monitor'),
};
const source = useTestDb();
const target = useTestDb();
const extra = `sb_test_${randomBytes(5).toString('hex')}`;
const url = (name: string) => `${testEnv.mysqlServer}/${name}`;
async function urlOf(db: Knex): Promise<string> {
  const [rows] = (await db.raw('SELECT DATABASE() AS name')) as [Array<{ name: string }>];
  return url(rows[0]?.name ?? '');
}

beforeAll(() => {
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  loadSealingKey(join(work, 'state', 'secrets.key'));
});

afterAll(async () => {
  const admin = createKnex(`${testEnv.mysqlServer}/`, { min: 0, max: 1 });
  await admin.raw(`DROP DATABASE IF EXISTS \`${extra}\``);
  await admin.destroy();
  rmSync(work, { recursive: true, force: true });
});

// The same backup with its manifest edited: the manifest is the root the hashes hang from, so
// this is how an older or newer Switchboard's backup of the same rows looks.
async function withManifest(file: string, edit: (m: Manifest) => void): Promise<string> {
  const extract = tar.extract();
  const pack = tar.pack();
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      let data = Buffer.concat(chunks);
      if (entry.header.name === 'manifest.json') {
        const m = JSON.parse(data.toString('utf8')) as Manifest;
        edit(m);
        data = Buffer.from(JSON.stringify(m));
      }
      pack.entry({ name: entry.header.name, size: data.length }, data);
    }
    pack.finalize();
  })();
  extract.end(gunzipSync(readFileSync(file)));
  await done;
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  const out = join(work, `edited-${randomBytes(3).toString('hex')}.tar.gz`);
  writeFileSync(out, gzipSync(Buffer.concat(chunks)));
  return out;
}

type Entry = { name: string; data: Buffer; type?: 'file' | 'symlink'; linkname?: string; mode?: number };

async function entriesOf(file: string): Promise<Entry[]> {
  const extract = tar.extract();
  const out: Entry[] = [];
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      out.push({ name: entry.header.name, data: Buffer.concat(chunks), mode: entry.header.mode ?? 0o644 });
    }
  })();
  extract.end(gunzipSync(readFileSync(file)));
  await done;
  return out;
}

// keep: the share of the gzip'd bytes written (1: all of them; less: a truncated file).
async function packed(entries: Entry[], keep = 1): Promise<string> {
  const pack = tar.pack();
  for (const e of entries) {
    if (e.type === 'symlink')
      pack.entry({ name: e.name, type: 'symlink', linkname: e.linkname ?? '/etc/passwd' });
    else pack.entry({ name: e.name, size: e.data.length, mode: e.mode ?? 0o644 }, e.data);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  const out = join(work, `crafted-${randomBytes(3).toString('hex')}.tar.gz`);
  const gz = gzipSync(Buffer.concat(chunks));
  writeFileSync(out, gz.subarray(0, Math.floor(gz.length * keep)));
  return out;
}

// The backup with members changed and its manifest's hashes made to match, as a crafted (or
// buggy) backup that passes every checksum would look.
async function rehashed(
  file: string,
  edit: (entries: Entry[]) => Entry[],
  editManifest: (m: Manifest) => void = () => undefined,
): Promise<string> {
  const entries = edit((await entriesOf(file)).filter((e) => e.name !== 'manifest.json'));
  const manifest = JSON.parse(
    ((await entriesOf(file)).find((e) => e.name === 'manifest.json') as Entry).data.toString('utf8'),
  ) as Manifest;
  manifest.members = entries.map((e) => ({
    name: e.name,
    size: e.data.length,
    sha256: createHash('sha256').update(e.data).digest('hex'),
  }));
  editManifest(manifest);
  return packed([...entries, { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest)) }]);
}

const CLI = join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');
const MAIN = join(__dirname, '..', 'cli', 'main.ts');
function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      CLI,
      [MAIN, ...args],
      { env: { ...process.env, ...env }, timeout: 120_000 },
      (err, _out, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr });
      },
    );
  });
}

const options = (databaseUrl: string, force = false) => ({
  databaseUrl,
  files: dirs,
  force,
  passphrase: null,
  installKey: sealingKey(),
  sealed: [{ table: 'smtp_settings', key: 'id', column: 'password' }],
});

describe('restore across schema versions', () => {
  let file = '';
  const password = `Smtp-${randomBytes(6).toString('hex')}`;

  beforeAll(async () => {
    const db = source.db;
    await db('departments').insert([{ name: 'Sales' }, { name: 'Support' }]);
    await db('smtp_settings').insert({
      id: 1,
      host: 'smtp.example.com',
      port: 587,
      tls_mode: 'starttls',
      username: 'pbx',
      password: seal(password),
      from_address: 'pbx@example.com',
    });
    file = join(work, 'backup.tar.gz');
    await createBackup({ databaseUrl: await urlOf(db), ...dirs }, file, {
      recordings: false,
      passphrase: null,
      sealingKey: sealingKey(),
    });
  });

  it('refuses a backup from a newer Switchboard and changes nothing', async () => {
    const newer = await withManifest(file, (m) => m.schema.migrations.push('29991231000000_from_the_future'));
    const before = await target.db('knex_migrations').count({ n: '*' });
    await expect(restoreBackup(newer, options(await urlOf(target.db)))).rejects.toThrow(
      /made by a newer Switchboard: .*29991231000000_from_the_future.*upgrade first/,
    );
    expect(await target.db('knex_migrations').count({ n: '*' })).toEqual(before);
    expect(await target.db('departments').count({ n: '*' })).toEqual([{ n: 0 }]);
  });

  it('restores an older version’s backup onto a new empty database, then migrates it to this version', async () => {
    const known = await availableMigrations();
    const older = await withManifest(file, (m) => {
      // backup_jobs (the last migration) is not in any backup: the rows fit the older schema.
      m.schema.migrations = m.schema.migrations.filter((n) => n !== '20261209200000_backups');
    });
    const admin = createKnex(`${testEnv.mysqlServer}/`, { min: 0, max: 1 });
    await admin.raw(`CREATE DATABASE \`${extra}\``);
    await admin.destroy();
    await restoreBackup(older, options(url(extra)));
    const db = createKnex(url(extra), { min: 0, max: 1 });
    try {
      expect((await db('knex_migrations').orderBy('id')).map((r: { name: string }) => r.name)).toEqual(known);
      expect((await db('departments').orderBy('id')).map((r: { name: string }) => r.name)).toEqual([
        'Sales',
        'Support',
      ]);
      const smtp = (await db('smtp_settings').first()) as { password: string };
      expect(unseal(smtp.password)).toBe(password);
    } finally {
      await db.destroy();
    }
  });

  it('onto a database holding configuration: refused without --force; with it, rebuilt at the backup’s version', async () => {
    const older = await withManifest(file, (m) => {
      m.schema.migrations = m.schema.migrations.filter((n) => n !== '20261209200000_backups');
    });
    await target.db('departments').insert({ name: 'Only here' });
    await expect(restoreBackup(older, options(await urlOf(target.db)))).rejects.toThrow(
      new BackupError(
        'the database already holds configuration (departments): restore onto a fresh database, or add --force to replace it',
      ),
    );
    expect((await target.db('departments')).map((r: { name: string }) => r.name)).toEqual(['Only here']);
    await restoreBackup(older, options(await urlOf(target.db), true));
    expect((await target.db('departments').orderBy('id')).map((r: { name: string }) => r.name)).toEqual([
      'Sales',
      'Support',
    ]);
    expect((await target.db('knex_migrations').orderBy('id')).map((r: { name: string }) => r.name)).toEqual(
      await availableMigrations(),
    );
  });

  it('carries 100,000 rows through a backup and a restore (figures printed)', async () => {
    const rows = 100_000;
    const db = source.db;
    for (let i = 0; i < rows; i += 5000)
      await db('departments').insert(
        Array.from({ length: Math.min(5000, rows - i) }, (_, k) => ({
          name: `Volume ${String(i + k).padStart(6, '0')}`,
        })),
      );
    const big = join(work, 'big.tar.gz');
    const t0 = Date.now();
    await createBackup({ databaseUrl: await urlOf(db), ...dirs }, big, {
      recordings: false,
      passphrase: null,
      sealingKey: sealingKey(),
    });
    const t1 = Date.now();
    await restoreBackup(big, options(await urlOf(target.db), true));
    const t2 = Date.now();
    const count = await target.db('departments').count({ n: '*' });
    expect(Number(count[0]?.n)).toBe(rows + 2);
    process.stderr.write(
      `volume figures: ${rows + 2} rows, backup ${t1 - t0} ms (${readFileSync(big).length} bytes), restore ${t2 - t1} ms\n`,
    );
  }, 300_000);

  it('refuses a crafted archive through the CLI with the real reason, exit 1, and no staging folder left', async () => {
    const staging = join(work, 'cli-backups');
    mkdirSync(staging, { recursive: true });
    const env = {
      DATABASE_URL: await urlOf(target.db),
      SWITCHBOARD_STATE_DIR: join(work, 'cli-state'),
      ASTERISK_SOUNDS_DIR: dirs.soundsDir,
      ASTERISK_SPOOL_DIR: dirs.spoolDir,
      BACKUP_DIR: staging,
    };
    const good = await entriesOf(file);
    const marker = good[0] as Entry;
    const cases: Array<[string, Entry[], RegExp, number?]> = [
      [
        // Cut inside a file member: the refusal must not wait for the rest of it.
        'truncated in a file',
        [
          marker,
          { name: 'files/sounds/switchboard/big.wav', data: randomBytes(512 * 1024) },
          ...good.slice(1),
        ],
        /^the backup is truncated: the archive ends early$/,
        0.3,
      ],
      [
        'no marker first',
        good.slice(1),
        /^not a Switchboard backup: the archive does not start with its marker$/,
      ],
      [
        'a symlink member',
        [
          marker,
          { name: 'files/sounds/switchboard/x.wav', data: Buffer.alloc(0), type: 'symlink' },
          ...good.slice(1),
        ],
        /^not a Switchboard backup: member "files\/sounds\/switchboard\/x.wav" is not a file$/,
      ],
      [
        'an unexpected name',
        [marker, { name: 'files/sounds/../../etc/x', data: Buffer.from('x') }, ...good.slice(1)],
        /^not a Switchboard backup: unexpected member/,
      ],
      [
        'a member after the manifest',
        [...good, { name: 'db/departments.jsonl', data: Buffer.from('x') }],
        /^the backup is corrupt: db\/departments.jsonl comes after the manifest, which is last$/,
      ],
      [
        'a 2 MiB manifest',
        [...good.slice(0, -1), { name: 'manifest.json', data: Buffer.alloc(2 * 1024 * 1024, 0x20) }],
        /^not a Switchboard backup: manifest.json is 2097152 bytes \(at most 1048576\)$/,
      ],
    ];
    for (const [name, entries, error, keep] of cases) {
      const res = await cli(['backup', 'restore', await packed(entries, keep)], env);
      const lines = res.stderr.trim().split('\n');
      expect({
        name,
        code: res.code,
        last: lines[lines.length - 1],
        premature: /premature/i.test(res.stderr),
      }).toEqual({
        name,
        code: 1,
        last: expect.stringMatching(error),
        premature: false,
      });
      expect(readdirSync(staging).filter((n) => n.startsWith('sb-restore-'))).toEqual([]);
    }
  }, 300_000);

  it('refuses scrypt parameters other than its own before deriving anything', () => {
    const wrapped = wrapKey(randomBytes(32), 'pass');
    expect(unwrapKey(wrapped, 'pass')).toHaveLength(32);
    for (const edit of [{ n: 2 ** 22 }, { r: 64 }, { p: 1_000 }, { n: 2 ** 10 }]) {
      const t0 = Date.now();
      expect(() => unwrapKey({ ...wrapped, ...edit }, 'pass')).toThrow(
        /is not a key wrapped with scrypt \(N=32768, r=8, p=1\)/,
      );
      expect(Date.now() - t0).toBeLessThan(50);
    }
  });

  it('refuses to stage a backup larger than the free space of the staging filesystem', async () => {
    const dir = join(work, 'tight');
    mkdirSync(dir, { recursive: true });
    const free = await statfs(dir);
    await expect(stageBackup(file, { dir, reserve: free.bavail * free.bsize + 2 ** 30 })).rejects.toThrow(
      /^not enough free space to stage the backup in /,
    );
    expect(readdirSync(dir)).toEqual([]);
    const staged = await stageBackup(file, { dir });
    expect(readdirSync(dir)).toHaveLength(1);
    await staged.dispose();
  });

  it('refuses malformed or unlisted table data before dropping or deleting anything', async () => {
    const olderSchema = (m: Manifest) => {
      // The target is ahead of this backup: a restore would drop its tables first.
      m.schema.migrations = m.schema.migrations.filter((n) => n !== '20261209200000_backups');
    };
    await target.db('departments').del();
    await target.db('departments').insert({ name: 'Only here' });
    const edit = (name: string, data: (old: Buffer) => Buffer) => (entries: Entry[]) =>
      entries.map((e) => (e.name === name ? { ...e, data: data(e.data) } : e));
    const cases: Array<[string, string, RegExp]> = [
      [
        'a short row',
        await rehashed(
          file,
          edit('db/departments.jsonl', (d) => Buffer.concat([d, Buffer.from('[1]\n')])),
          (m) => {
            olderSchema(m);
            const t = m.tables.find((x) => x.name === 'departments');
            if (t) t.rows++;
          },
        ),
        /^the backup is corrupt: db\/departments.jsonl line 4 is not a row of \d+ values$/,
      ],
      [
        'a row that is not JSON',
        await rehashed(
          file,
          edit('db/departments.jsonl', (d) => Buffer.concat([d, Buffer.from('[1,\n')])),
          olderSchema,
        ),
        /^the backup is corrupt: db\/departments.jsonl line 4 is not JSON$/,
      ],
      [
        'an unlisted table file',
        await rehashed(
          file,
          (entries) => [
            ...entries.slice(0, 1),
            { name: 'db/not_listed.jsonl', data: Buffer.from('{"table":"not_listed","columns":["id"]}\n') },
            ...entries.slice(1),
          ],
          olderSchema,
        ),
        /^the backup is corrupt: db\/not_listed.jsonl is not a table its manifest lists$/,
      ],
      [
        'a listed table without its file',
        await rehashed(
          file,
          (entries) => entries,
          (m) => {
            olderSchema(m);
            m.tables.push({ name: 'ghost', rows: 0 });
          },
        ),
        /^the backup is incomplete: it lists the table ghost but has no db\/ghost.jsonl$/,
      ],
      [
        'a table name that is not one',
        await rehashed(
          file,
          (entries) => entries,
          (m) => {
            olderSchema(m);
            m.tables.push({ name: 'x`; DROP', rows: 0 });
          },
        ),
        /^the backup is corrupt: its manifest lists a table named "x`; DROP"$/,
      ],
    ];
    for (const [name, crafted, error] of cases) {
      const err = await restoreBackup(crafted, options(await urlOf(target.db), true)).then(
        () => null,
        (e: unknown) => e,
      );
      expect({ name, err: err instanceof BackupError ? err.message : String(err) }).toEqual({
        name,
        err: expect.stringMatching(error),
      });
      expect((await target.db('departments')).map((r: { name: string }) => r.name)).toEqual(['Only here']);
    }
  });

  it('restores each file with the mode it had, signs every session out, and keeps the old files until the new are in place', async () => {
    const vm = join(dirs.spoolDir, 'voicemail', 'switchboard', 'default', '100', 'INBOX');
    const greetings = join(dirs.soundsDir, 'switchboard');
    mkdirSync(vm, { recursive: true });
    mkdirSync(greetings, { recursive: true });
    writeFileSync(join(vm, 'msg0000.txt'), 'caller words');
    chmodSync(join(vm, 'msg0000.txt'), 0o600);
    writeFileSync(join(vm, 'msg0001.txt'), 'group readable');
    chmodSync(join(vm, 'msg0001.txt'), 0o660);
    writeFileSync(join(greetings, 'hello.wav'), 'greeting');
    chmodSync(join(greetings, 'hello.wav'), 0o644);
    const [userId] = (await source.db('users').insert({
      username: `u${randomBytes(3).toString('hex')}`,
      password_hash: 'x',
      role: 'admin',
    })) as [number];
    await source.db('sessions').insert({
      id_hash: 'a'.repeat(64),
      user_id: userId,
      csrf_token: 'b'.repeat(64),
      expires_at: new Date(Date.now() + 3_600_000),
    });
    const withFiles = join(work, 'with-files.tar.gz');
    await createBackup({ databaseUrl: await urlOf(source.db), ...dirs }, withFiles, {
      recordings: false,
      passphrase: null,
      sealingKey: sealingKey(),
    });
    // Loosened after the backup: the restore puts back what was recorded.
    chmodSync(join(vm, 'msg0000.txt'), 0o644);
    writeFileSync(join(greetings, 'extra.wav'), 'not in the backup');
    const logged: string[] = [];
    await restoreBackup(withFiles, { ...options(await urlOf(target.db), true), log: (l) => logged.push(l) });
    const mode = (p: string) => statSync(p).mode & 0o777;
    expect({
      private: mode(join(vm, 'msg0000.txt')),
      group: mode(join(vm, 'msg0001.txt')),
      greeting: mode(join(greetings, 'hello.wav')),
      greetings: readdirSync(greetings).sort(),
      leftovers: [...readdirSync(dirs.soundsDir), ...readdirSync(join(dirs.spoolDir, 'voicemail'))].filter(
        (n) => n.startsWith('.'),
      ),
    }).toEqual({ private: 0o600, group: 0o640, greeting: 0o644, greetings: ['hello.wav'], leftovers: [] });
    expect(await target.db('users').where({ id: userId }).first()).toBeTruthy();
    expect(await target.db('sessions').count({ n: '*' })).toEqual([{ n: 0 }]);
    expect(logged.join('\n')).toMatch(/every session signed out/);
  });

  it('tries the start-up clean-up again when it failed, instead of failing every later call', async () => {
    const db = target.db;
    const [id] = (await db('backup_jobs').insert({
      status: 'running',
      file_name: 'switchboard-interrupted.tar.gz',
      recordings: false,
      requested_by: 'test',
    })) as [number];
    const config = loadConfig({
      ...process.env,
      ARI_PASSWORD: 'unused',
      DATABASE_URL: await urlOf(db),
      SWITCHBOARD_STATE_DIR: join(work, 'runner-state'),
      BACKUP_DIR: join(work, 'runner-backups'),
    });
    const runner = new BackupRunner(db, config, createLogger('silent'));
    // The clean-up's UPDATE fails (the table is away, as with the database down at start).
    await db.raw('RENAME TABLE backup_jobs TO backup_jobs_away');
    try {
      await expect(runner.recover()).rejects.toThrow(/backup_jobs/);
      await expect(runner.ready()).rejects.toThrow(/backup_jobs/);
    } finally {
      await db.raw('RENAME TABLE backup_jobs_away TO backup_jobs');
    }
    await expect(runner.ready()).resolves.toBeUndefined();
    expect(await db('backup_jobs').where({ id }).first()).toMatchObject({
      status: 'failed',
      error: 'interrupted: Switchboard stopped during the backup',
    });
  });
});
