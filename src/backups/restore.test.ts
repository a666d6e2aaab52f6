import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Knex } from 'knex';
import * as tar from 'tar-stream';
import { useTestDb } from '../../test/support/db';
import { testEnv } from '../../test/support/env';
import { availableMigrations, createKnex } from '../db/knex';
import { loadSealingKey, seal, sealingKey, unseal } from '../lib/sealed';
import { BackupError, createBackup, type Manifest } from './archive';
import { restoreBackup } from './restore';

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
});
