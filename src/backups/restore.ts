import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Knex } from 'knex';
import { availableMigrations, createKnex } from '../db/knex';
import type { SealedColumn } from '../db/sealed-columns';
import { atomicCopy } from '../lib/atomic-write';
import { isSealed, keyId, SealingError, sealWith, unsealWith } from '../lib/sealed';
import {
  BackupError,
  type BackupSources,
  baseTables,
  type Cell,
  decodeCell,
  exactKnex,
  type FileRoot,
  type Manifest,
  NOT_DUMPED,
  rootBase,
  rootTops,
  type StagedBackup,
  stageBackup,
  stagedFiles,
  stagedRows,
  unwrapKey,
} from './archive';

// What a freshly installed Switchboard writes by itself (its first admin, start-up applies, the
// rows migrations seed): a database holding nothing else may be restored onto without --force.
const FRESH_INSTALL_TABLES = new Set([
  ...NOT_DUMPED,
  'users',
  'sessions',
  'api_tokens',
  'audit_log',
  'apply_revisions',
  'asterisk_memory_objects',
  'calldata_sources',
  'account_policy',
  'emergency_settings',
]);

export interface RestoreOptions {
  databaseUrl: string;
  files: Omit<BackupSources, 'databaseUrl'>;
  // Replace a database that already holds configuration.
  force: boolean;
  passphrase: string | null;
  // This install's sealing key: restored secrets end up sealed with it.
  installKey: Buffer;
  sealed: readonly SealedColumn[];
  log?: (line: string) => void;
}

export interface RestoreResult {
  manifest: Manifest;
  rows: number;
  files: number;
  resealed: number;
}

// Checks everything first (the file, its schema version, the key, the target database) and
// refuses with the reason before changing anything; then loads the rows in one transaction,
// brings the schema up to this version and puts the files back.
export async function restoreBackup(file: string, opts: RestoreOptions): Promise<RestoreResult> {
  const say = opts.log ?? (() => undefined);
  const staged = await stageBackup(file);
  const db = createKnex(opts.databaseUrl, { min: 0, max: 1 });
  try {
    const { manifest } = staged;
    say(`backup of ${manifest.created_at} by Switchboard ${manifest.switchboard_version}: checked`);
    const known = await availableMigrations();
    const wanted = manifest.schema.migrations;
    const unknown = wanted.filter((m) => !known.includes(m));
    if (unknown.length > 0)
      throw new BackupError(
        `the backup was made by a newer Switchboard: its schema has migrations this install does not know (${unknown.slice(0, 3).join(', ')}${unknown.length > 3 ? ', …' : ''}); upgrade first`,
      );
    if (wanted.some((m, i) => known[i] !== m))
      throw new BackupError(
        'the backup has a schema this install cannot rebuild (its migrations are not a prefix of this version’s)',
      );

    const oldKey = backupKey(staged, opts);
    const resealFrom = oldKey && keyId(oldKey) !== keyId(opts.installKey) ? oldKey : null;
    await checkSealedValues(staged, opts.sealed, oldKey ?? opts.installKey);

    const tables = await baseTables(db);
    const completed = tables.includes('knex_migrations')
      ? ((await db('knex_migrations').select('name').orderBy('id')) as Array<{ name: string }>).map(
          (r) => r.name,
        )
      : [];
    if (!opts.force) {
      const holding: string[] = [];
      for (const t of tables) {
        if (FRESH_INSTALL_TABLES.has(t)) continue;
        const row = await db(t).first(db.raw('1 AS x'));
        if (row) holding.push(t);
      }
      if (holding.length > 0)
        throw new BackupError(
          `the database already holds configuration (${holding.slice(0, 5).join(', ')}${holding.length > 5 ? ', …' : ''}): restore onto a fresh database, or add --force to replace it`,
        );
    }

    // From here on the database changes.
    const ahead = completed.some((m) => !wanted.includes(m));
    if (ahead) {
      say('the database is ahead of the backup: rebuilding its schema at the backup’s version');
      await dropAllTables(db, tables);
    }
    for (const name of wanted) if (ahead || !completed.includes(name)) await db.migrate.up({ name });
    const { rows, resealed } = await loadRows(
      opts.databaseUrl,
      staged,
      opts.sealed,
      resealFrom,
      opts.installKey,
    );
    say(
      `${rows} rows restored${resealed > 0 ? `, ${resealed} secrets re-sealed with this install's key` : ''}`,
    );
    await db.migrate.latest();
    const files = await restoreFiles(staged, opts.files);
    say(`${files} files restored`);
    return { manifest, rows, files, resealed };
  } finally {
    await db.destroy();
    await staged.dispose();
  }
}

// The key the backup's secrets are sealed with, when this install's is another one.
function backupKey(staged: StagedBackup, opts: RestoreOptions): Buffer | null {
  const want = staged.manifest.key.id;
  if (want === keyId(opts.installKey)) return null;
  if (!staged.wrappedKey)
    throw new BackupError(
      `the backup's secrets are sealed with another key (id ${want}; this install's is ${keyId(opts.installKey)}) and the backup does not carry it: restore with the secrets.key of the install that made it, or take backups with BACKUP_PASSPHRASE set`,
    );
  if (!opts.passphrase)
    throw new BackupError(
      'the backup carries its secrets key wrapped with a passphrase: set BACKUP_PASSPHRASE (or --passphrase-file) to restore it',
    );
  const key = unwrapKey(staged.wrappedKey, opts.passphrase);
  if (keyId(key) !== want)
    throw new BackupError('the backup is corrupt: its wrapped key is not the one its manifest names');
  return key;
}

// Every sealed value must open with the key it was sealed with; found now, not half-way.
async function checkSealedValues(
  staged: StagedBackup,
  sealed: readonly SealedColumn[],
  key: Buffer,
): Promise<void> {
  const present = new Set(staged.manifest.tables.map((t) => t.name));
  for (const c of sealed) {
    if (!present.has(c.table)) continue;
    let index = -1;
    for await (const item of stagedRows(staged, c.table)) {
      if ('columns' in item) {
        index = item.columns.indexOf(c.column);
        if (index < 0) break;
        continue;
      }
      const v = item.row[index];
      if (typeof v !== 'string' || !isSealed(v)) continue;
      try {
        unsealWith(key, v);
      } catch (err) {
        if (err instanceof SealingError)
          throw new BackupError(
            `the backup's ${c.table}.${c.column} values do not open with its secrets key`,
          );
        throw err;
      }
    }
  }
}

async function dropAllTables(db: Knex, tables: readonly string[]): Promise<void> {
  await db.raw('SET FOREIGN_KEY_CHECKS = 0');
  try {
    for (const t of tables) await db.raw('DROP TABLE ??', [t]);
  } finally {
    await db.raw('SET FOREIGN_KEY_CHECKS = 1');
  }
}

// One transaction: the tables' own rows (and what the migrations seeded) give way to the
// backup's, or nothing changes.
async function loadRows(
  databaseUrl: string,
  staged: StagedBackup,
  sealed: readonly SealedColumn[],
  resealFrom: Buffer | null,
  installKey: Buffer,
): Promise<{ rows: number; resealed: number }> {
  const data = exactKnex(databaseUrl);
  let rows = 0;
  let resealed = 0;
  try {
    await data.transaction(async (tx) => {
      await tx.raw("SET time_zone = '+00:00'");
      await tx.raw('SET FOREIGN_KEY_CHECKS = 0');
      const present = await baseTables(tx);
      for (const t of present) if (!NOT_DUMPED.has(t)) await tx(t).del();
      for (const { name } of staged.manifest.tables) {
        if (!present.includes(name))
          throw new BackupError(`the backup has a table ${name} its schema version does not create`);
        const sealedHere = new Set(sealed.filter((c) => c.table === name).map((c) => c.column));
        let columns: string[] = [];
        let perBatch = 500;
        let batch: Array<Record<string, unknown>> = [];
        const flush = async () => {
          if (batch.length === 0) return;
          await tx(name).insert(batch);
          rows += batch.length;
          batch = [];
        };
        for await (const item of stagedRows(staged, name)) {
          if ('columns' in item) {
            columns = item.columns;
            perBatch = Math.max(1, Math.floor(20_000 / Math.max(1, columns.length)));
            continue;
          }
          const record: Record<string, unknown> = {};
          columns.forEach((c, i) => {
            let v: Cell = item.row[i] ?? null;
            if (resealFrom && sealedHere.has(c) && typeof v === 'string' && isSealed(v)) {
              v = sealWith(installKey, unsealWith(resealFrom, v));
              resealed++;
            }
            record[c] = decodeCell(v);
          });
          batch.push(record);
          if (batch.length >= perBatch) await flush();
        }
        await flush();
      }
      await tx.raw('SET FOREIGN_KEY_CHECKS = 1');
    });
  } finally {
    await data.destroy();
  }
  return { rows, resealed };
}

// Each root the backup covers is replaced: what Switchboard had there goes, the backup's comes
// back. Recordings are left alone when the backup holds none.
async function restoreFiles(staged: StagedBackup, dirs: Omit<BackupSources, 'databaseUrl'>): Promise<number> {
  const roots: FileRoot[] = ['sounds', 'moh', 'voicemail'];
  if (staged.manifest.includes.recordings) roots.push('recordings');
  const files = stagedFiles(staged);
  let count = 0;
  for (const root of roots) {
    const base = rootBase(root, dirs);
    for (const top of await rootTops(root, dirs)) await rm(join(base, top), { recursive: true, force: true });
    for (const f of files) {
      if (f.root !== root) continue;
      const to = join(base, f.rel);
      await mkdir(dirname(to), { recursive: true, mode: 0o755 });
      await atomicCopy(f.path, to);
      count++;
    }
  }
  return count;
}
