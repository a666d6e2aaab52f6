import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
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
  topsIn,
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
  // Where the backup is unpacked while it is checked (default: the system's temporary folder).
  stagingDir?: string;
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
  const staged = await stageBackup(file, opts.stagingDir ? { dir: opts.stagingDir } : {});
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
    await checkStagedTables(staged, opts.sealed, oldKey ?? opts.installKey);

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
      `${rows} rows restored${resealed > 0 ? `, ${resealed} secrets re-sealed with this install's key` : ''}; every session signed out`,
    );
    const tokens = manifest.tables.find((t) => t.name === 'api_tokens')?.rows ?? 0;
    if (tokens > 0)
      say(
        `${tokens} API tokens restored as they were at ${manifest.created_at}: a token revoked since then works again until it is revoked again`,
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

const TABLE_NAME = /^[a-z0-9_]{1,64}$/;

// Every staged table, read once before anything changes: the manifest's tables and the db/
// members agree, each file is its header and rows of the header's width, and every sealed value
// opens with the key it was sealed with. Found now, not half-way through a restore.
async function checkStagedTables(
  staged: StagedBackup,
  sealed: readonly SealedColumn[],
  key: Buffer,
): Promise<void> {
  const { manifest } = staged;
  const listed = new Set<string>();
  for (const t of manifest.tables) {
    if (typeof t?.name !== 'string' || !TABLE_NAME.test(t.name))
      throw new BackupError(
        `the backup is corrupt: its manifest lists a table named ${JSON.stringify(t?.name)}`,
      );
    if (listed.has(t.name))
      throw new BackupError(`the backup is corrupt: its manifest lists ${t.name} twice`);
    listed.add(t.name);
  }
  const members = new Set(manifest.members.map((m) => m.name));
  for (const name of listed)
    if (!members.has(`db/${name}.jsonl`))
      throw new BackupError(
        `the backup is incomplete: it lists the table ${name} but has no db/${name}.jsonl`,
      );
  for (const m of members) {
    const match = /^db\/(.+)\.jsonl$/.exec(m);
    if (match && !listed.has(match[1] as string))
      throw new BackupError(`the backup is corrupt: ${m} is not a table its manifest lists`);
  }
  for (const t of manifest.tables) {
    const sealedHere = sealed.filter((c) => c.table === t.name);
    const file = join(staged.dir, 'db', `${t.name}.jsonl`);
    const corrupt = (why: string) => new BackupError(`the backup is corrupt: db/${t.name}.jsonl ${why}`);
    let columns: string[] | null = null;
    let sealedAt: number[] = [];
    let rows = 0;
    let lineNo = 0;
    for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
      lineNo++;
      if (!line) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        throw corrupt(`line ${lineNo} is not JSON`);
      }
      if (columns === null) {
        const h = parsed as { table?: unknown; columns?: unknown };
        if (h?.table !== t.name) throw corrupt(`names the table ${JSON.stringify(h?.table)}`);
        if (
          !Array.isArray(h.columns) ||
          h.columns.length === 0 ||
          !h.columns.every((c) => typeof c === 'string' && TABLE_NAME.test(c))
        )
          throw corrupt('has no valid column list');
        columns = h.columns as string[];
        sealedAt = sealedHere.map((c) => (columns as string[]).indexOf(c.column)).filter((i) => i >= 0);
        continue;
      }
      if (!Array.isArray(parsed) || parsed.length !== columns.length)
        throw corrupt(`line ${lineNo} is not a row of ${columns.length} values`);
      for (const v of parsed)
        if (
          !(v === null || typeof v === 'string' || typeof v === 'number') &&
          !(typeof v === 'object' && typeof (v as { b64?: unknown }).b64 === 'string')
        )
          throw corrupt(`line ${lineNo} holds a value that is not a column's`);
      rows++;
      for (const i of sealedAt) {
        const v = parsed[i] as Cell;
        if (typeof v !== 'string' || !isSealed(v)) continue;
        try {
          unsealWith(key, v);
        } catch (err) {
          if (err instanceof SealingError)
            throw new BackupError(
              `the backup's ${t.name}.${columns[i] ?? ''} values do not open with its secrets key`,
            );
          throw err;
        }
      }
    }
    if (columns === null) throw corrupt('is empty');
    if (rows !== t.rows) throw corrupt(`holds ${rows} rows, its manifest says ${t.rows}`);
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
      // A session is a sign-in on this install, not configuration: the backup's would let
      // whoever held one then in now, and the signed-in admin's own is gone with the old rows.
      if (present.includes('sessions')) await tx('sessions').del();
      await tx.raw('SET FOREIGN_KEY_CHECKS = 1');
    });
  } finally {
    await data.destroy();
  }
  return { rows, resealed };
}

// Each root the backup covers is replaced: what Switchboard had there goes, the backup's comes
// back. Recordings are left alone when the backup holds none. Per root the backup's files are
// first copied into a dot-folder beside them, then renamed into place, so a full disk part-way
// leaves the old files as they were.
async function restoreFiles(staged: StagedBackup, dirs: Omit<BackupSources, 'databaseUrl'>): Promise<number> {
  const roots: FileRoot[] = ['sounds', 'moh', 'voicemail'];
  if (staged.manifest.includes.recordings) roots.push('recordings');
  const files = stagedFiles(staged);
  let count = 0;
  for (const root of roots) {
    const base = rootBase(root, dirs);
    await mkdir(base, { recursive: true, mode: 0o755 });
    const tag = randomBytes(6).toString('hex');
    const fresh = join(base, `.sb-restore-${tag}`);
    const old = join(base, `.sb-old-${tag}`);
    try {
      await mkdir(fresh, { mode: 0o755 });
      for (const f of files) {
        if (f.root !== root) continue;
        const to = join(fresh, f.rel);
        await mkdir(dirname(to), { recursive: true, mode: 0o755 });
        await atomicCopy(f.path, to, f.mode);
        count++;
      }
      await mkdir(old, { mode: 0o700 });
      const moved: string[] = [];
      const placed: string[] = [];
      try {
        for (const top of await rootTops(root, dirs)) {
          await mkdir(dirname(join(old, top)), { recursive: true });
          await rename(join(base, top), join(old, top));
          moved.push(top);
        }
        for (const top of await topsIn(root, fresh)) {
          await mkdir(dirname(join(base, top)), { recursive: true, mode: 0o755 });
          await rename(join(fresh, top), join(base, top));
          placed.push(top);
        }
      } catch (err) {
        // Renames within one folder: should one fail, the old files go back where they were.
        for (const top of placed) await rm(join(base, top), { recursive: true, force: true });
        for (const top of moved) await rename(join(old, top), join(base, top)).catch(() => undefined);
        throw err;
      }
      await rm(old, { recursive: true, force: true });
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  }
  return count;
}
