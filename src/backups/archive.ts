import { createCipheriv, createDecipheriv, createHash, randomBytes, scryptSync } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, rename, rm, stat, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { createInterface } from 'node:readline';
import { PassThrough, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import knexFactory, { type Knex } from 'knex';
import * as tar from 'tar-stream';
import { keyId } from '../lib/sealed';

// A Switchboard backup: one gzip'd tar, written in a single pass.
//
//   SWITCHBOARD-BACKUP       first: what the file is, before anything else is trusted
//   db/<table>.jsonl         one consistent snapshot of every table (a header line, then rows)
//   files/<root>/<path>      greetings (sounds), music on hold, voicemail, recordings (optional)
//   keys/secrets.key.json    only with a passphrase: the sealing key, wrapped (scrypt + AES-GCM)
//   manifest.json            last: versions, schema (the migration list), sha256 of every member
//
// The manifest comes last so that the file is written in one pass with every hash known; a reader
// checks the marker first and the hashes at the end, before it changes anything.

export const FORMAT = 'switchboard-backup';
export const FORMAT_VERSION = 1;
const MARKER = 'SWITCHBOARD-BACKUP';
const MANIFEST = 'manifest.json';
const WRAPPED_KEY = 'keys/secrets.key.json';

// Tables that are not part of a restore's data: the migrations are the manifest's schema (a
// restore runs them), and the backup jobs are this install's own history.
export const NOT_DUMPED: ReadonlySet<string> = new Set([
  'knex_migrations',
  'knex_migrations_lock',
  'backup_jobs',
]);

export type FileRoot = 'sounds' | 'moh' | 'voicemail' | 'recordings';

export interface BackupSources {
  databaseUrl: string;
  soundsDir: string;
  mohDir: string;
  spoolDir: string;
  monitorDir: string;
}

export interface Member {
  name: string;
  size: number;
  sha256: string;
}

export interface Manifest {
  format: typeof FORMAT;
  format_version: number;
  switchboard_version: string;
  created_at: string;
  schema: { migrations: string[] };
  key: { id: string; wrapped: boolean };
  includes: { recordings: boolean };
  tables: Array<{ name: string; rows: number }>;
  members: Member[];
}

export class BackupError extends Error {}

export function switchboardVersion(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'switchboard') return pkg.version ?? 'unknown';
  }
  return 'unknown';
}

// ---- where the files live, per root

interface RootSpec {
  base: (s: BackupSources) => string;
  // The top-level entries of base that belong to Switchboard.
  tops: (base: string) => Promise<string[]>;
  // What a member's path under its root may look like.
  allowed: RegExp;
}

const SEGMENT = '[A-Za-z0-9_][A-Za-z0-9_.@+=,-]*';
const REST = `(?:/${SEGMENT})+`;

const ROOTS: Record<FileRoot, RootSpec> = {
  // Greetings: switchboard/ (with its store/) and every <language>/switchboard/.
  sounds: {
    base: (s) => s.soundsDir,
    tops: async (base) => {
      const out: string[] = [];
      if (await isDir(join(base, 'switchboard'))) out.push('switchboard');
      // A dot-folder is a restore's work in progress (see restore.ts), not a language.
      for (const entry of await listDir(base))
        if (
          entry !== 'switchboard' &&
          !entry.startsWith('.') &&
          (await isDir(join(base, entry, 'switchboard')))
        )
          out.push(`${entry}/switchboard`);
      return out;
    },
    allowed: new RegExp(`^(?:[a-z]{2,3}(?:_[A-Za-z0-9]{2,8})*/)?switchboard${REST}$`),
  },
  moh: {
    base: (s) => s.mohDir,
    tops: async (base) => {
      const out: string[] = [];
      for (const entry of await listDir(base))
        if (/^sb-moh-\d+$/.test(entry) && (await isDir(join(base, entry)))) out.push(entry);
      return out;
    },
    allowed: new RegExp(`^sb-moh-\\d+${REST}$`),
  },
  voicemail: {
    base: (s) => join(s.spoolDir, 'voicemail'),
    tops: async (base) => ((await isDir(join(base, 'switchboard'))) ? ['switchboard'] : []),
    allowed: new RegExp(`^switchboard${REST}$`),
  },
  recordings: {
    base: (s) => s.monitorDir,
    tops: async (base) => ((await isDir(join(base, 'switchboard'))) ? ['switchboard'] : []),
    allowed: new RegExp(`^switchboard${REST}$`),
  },
};

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function listDir(path: string): Promise<string[]> {
  try {
    return (await readdir(path)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

// Regular files under base/top, as paths relative to base. Temporary files of an atomic write
// (".xxxx.tmp") are half-written copies, not state.
async function walk(base: string, rel: string, out: string[]): Promise<void> {
  for (const entry of await listDir(join(base, rel))) {
    if (entry.startsWith('.') && entry.endsWith('.tmp')) continue;
    const child = posix.join(rel, entry);
    const info = await lstat(join(base, child));
    if (info.isDirectory()) await walk(base, child, out);
    else if (info.isFile()) out.push(child);
  }
}

// ---- the secrets key, wrapped with a passphrase

interface WrappedKey {
  kdf: 'scrypt';
  n: number;
  r: number;
  p: number;
  salt: string;
  iv: string;
  tag: string;
  data: string;
}

const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export function wrapKey(key: Buffer, passphrase: string): WrappedKey {
  const salt = randomBytes(16);
  const kek = scryptSync(passphrase, salt, 32, SCRYPT);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  const data = Buffer.concat([cipher.update(key), cipher.final()]);
  return {
    kdf: 'scrypt',
    n: SCRYPT.N,
    r: SCRYPT.r,
    p: SCRYPT.p,
    salt: salt.toString('base64'),
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
}

export function unwrapKey(wrapped: WrappedKey, passphrase: string): Buffer {
  // The parameters come from the file: only the ones wrapKey writes are accepted, so a crafted
  // archive cannot make the restore spend minutes of CPU or gigabytes of memory deriving a key.
  if (
    wrapped === null ||
    typeof wrapped !== 'object' ||
    wrapped.kdf !== 'scrypt' ||
    wrapped.n !== SCRYPT.N ||
    wrapped.r !== SCRYPT.r ||
    wrapped.p !== SCRYPT.p ||
    ![wrapped.salt, wrapped.iv, wrapped.tag, wrapped.data].every((v) => typeof v === 'string')
  )
    throw new BackupError(
      `the backup is corrupt: ${WRAPPED_KEY} is not a key wrapped with scrypt (N=${SCRYPT.N}, r=${SCRYPT.r}, p=${SCRYPT.p})`,
    );
  const kek = scryptSync(passphrase, Buffer.from(wrapped.salt, 'base64'), 32, {
    N: SCRYPT.N,
    r: SCRYPT.r,
    p: SCRYPT.p,
    maxmem: SCRYPT.maxmem,
  });
  const tag = Buffer.from(wrapped.tag, 'base64');
  if (tag.length !== 16) throw new BackupError(`the backup is corrupt: ${WRAPPED_KEY} has no 16-byte tag`);
  const decipher = createDecipheriv('aes-256-gcm', kek, Buffer.from(wrapped.iv, 'base64'), {
    authTagLength: 16,
  });
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(Buffer.from(wrapped.data, 'base64')), decipher.final()]);
  } catch {
    throw new BackupError('the passphrase does not open the secrets key in this backup');
  }
}

// ---- database access with exact values

// Dates as the strings MySQL holds (no time-zone round trip), big numbers as strings, JSON as its
// text: what is read back is what was stored, byte for byte.
function exactKnex(databaseUrl: string): Knex {
  return knexFactory({
    client: 'mysql2',
    connection: {
      uri: databaseUrl,
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      jsonStrings: true,
    } as Knex.MySql2ConnectionConfig,
    pool: { min: 0, max: 1 },
    compileSqlOnError: false,
  });
}

export type Cell = string | number | null | { b64: string };

function encodeCell(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (Buffer.isBuffer(v)) return { b64: v.toString('base64') };
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  // Every column type reads as one of the above (see exactKnex); anything else would not restore.
  throw new BackupError(`cannot back up a value of type ${typeof v}`);
}

export function decodeCell(v: Cell): string | number | null | Buffer {
  if (v !== null && typeof v === 'object') return Buffer.from(v.b64, 'base64');
  return v;
}

async function tableColumns(db: Knex, table: string): Promise<string[]> {
  const [rows] = (await db.raw(
    `SELECT column_name AS name, extra FROM information_schema.columns
      WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position`,
    [table],
  )) as [Array<{ name: string; extra: string }>];
  // Generated columns are computed by MySQL and cannot be inserted.
  return rows.filter((r) => !/GENERATED/i.test(r.extra)).map((r) => r.name);
}

export async function baseTables(db: Knex): Promise<string[]> {
  const [rows] = (await db.raw(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY table_name",
  )) as [Array<{ name: string }>];
  return rows.map((r) => r.name);
}

// ---- writing

export interface CreateOptions {
  recordings: boolean;
  // With a passphrase the sealing key goes in, wrapped; without, the archive names the key only by
  // its id and a restore needs the same secrets.key (see docs/operations/backup.md).
  passphrase: string | null;
  sealingKey: Buffer;
  // Bytes written to the file so far.
  onProgress?: (bytes: number) => void;
}

function hasher(): { stream: Transform; digest: () => { sha256: string; size: number } } {
  const hash = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  return { stream, digest: () => ({ sha256: hash.digest('hex'), size }) };
}

// Writes the backup to `out` (through a temporary name beside it, renamed once complete, so a
// listing never shows half a backup) and returns its manifest.
export async function createBackup(src: BackupSources, out: string, opts: CreateOptions): Promise<Manifest> {
  const work = await mkdtemp(join(tmpdir(), 'sb-backup-'));
  const partial = join(dirname(out), `.${randomBytes(6).toString('hex')}.partial`);
  try {
    const createdAt = new Date().toISOString();
    const { migrations, tables } = await dumpDatabase(src.databaseUrl, work);
    const members: Member[] = [];
    const pack = tar.pack();
    const gzip = createGzip({ level: 6 });
    let written = 0;
    const counter = new PassThrough();
    counter.on('data', (chunk: Buffer) => {
      written += chunk.length;
      opts.onProgress?.(written);
    });
    await mkdir(dirname(out), { recursive: true, mode: 0o700 });
    const done = pipeline(pack, gzip, counter, createWriteStream(partial, { mode: 0o600 }));
    const mtime = new Date(createdAt);
    const addBuffer = async (name: string, data: Buffer) => {
      await new Promise<void>((resolve, reject) =>
        pack.entry({ name, size: data.length, mode: 0o600, mtime }, data, (err) =>
          err ? reject(err) : resolve(),
        ),
      );
      members.push({ name, size: data.length, sha256: createHash('sha256').update(data).digest('hex') });
    };
    const addFile = async (name: string, path: string, mode = 0o600) => {
      const info = await stat(path);
      const h = hasher();
      const entry = pack.entry({ name, size: info.size, mode, mtime: info.mtime });
      await pipeline(createReadStream(path, { start: 0, end: Math.max(0, info.size - 1) }), h.stream, entry);
      const d = h.digest();
      if (d.size !== info.size) throw new BackupError(`${path} changed while it was backed up`);
      members.push({ name, size: d.size, sha256: d.sha256 });
    };
    const abort = (err: unknown) => {
      pack.destroy(err instanceof Error ? err : new Error(String(err)));
    };
    try {
      await addBuffer(MARKER, Buffer.from(`${FORMAT} ${FORMAT_VERSION}\n`));
      for (const t of tables) await addFile(`db/${t.name}.jsonl`, join(work, `${t.name}.jsonl`));
      const roots: FileRoot[] = [
        'sounds',
        'moh',
        'voicemail',
        ...(opts.recordings ? ['recordings' as const] : []),
      ];
      for (const root of roots) {
        const spec = ROOTS[root];
        const base = spec.base(src);
        const files: string[] = [];
        for (const top of await spec.tops(base)) await walk(base, top, files);
        for (const rel of files) {
          // A name the restore would refuse (odd characters) is refused here, not at restore.
          if (!spec.allowed.test(rel))
            throw new BackupError(`cannot back up ${join(base, rel)}: unexpected name`);
          const info = await lstat(join(base, rel));
          await addFile(`files/${root}/${rel}`, join(base, rel), info.mode & 0o777);
        }
      }
      if (opts.passphrase !== null)
        await addBuffer(WRAPPED_KEY, Buffer.from(JSON.stringify(wrapKey(opts.sealingKey, opts.passphrase))));
      const manifest: Manifest = {
        format: FORMAT,
        format_version: FORMAT_VERSION,
        switchboard_version: switchboardVersion(),
        created_at: createdAt,
        schema: { migrations },
        key: { id: keyId(opts.sealingKey), wrapped: opts.passphrase !== null },
        includes: { recordings: opts.recordings },
        tables,
        members,
      };
      const json = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
      await new Promise<void>((resolve, reject) =>
        pack.entry({ name: MANIFEST, size: json.length, mode: 0o600, mtime }, json, (err) =>
          err ? reject(err) : resolve(),
        ),
      );
      pack.finalize();
      await done;
      await rename(partial, out);
      return manifest;
    } catch (err) {
      abort(err);
      await done.catch(() => undefined);
      throw err;
    }
  } finally {
    await rm(partial, { force: true });
    await rm(work, { recursive: true, force: true });
  }
}

// Every table in one REPEATABLE READ transaction: InnoDB serves all the reads from the snapshot
// taken at the first one, so the tables agree with each other while Switchboard goes on writing.
async function dumpDatabase(
  databaseUrl: string,
  work: string,
): Promise<{ migrations: string[]; tables: Array<{ name: string; rows: number }> }> {
  const db = exactKnex(databaseUrl);
  try {
    return await db.transaction(
      async (tx) => {
        await tx.raw("SET time_zone = '+00:00'");
        const migrations = (
          (await tx('knex_migrations').select('name').orderBy('id')) as Array<{ name: string }>
        ).map((r) => r.name);
        const tables: Array<{ name: string; rows: number }> = [];
        for (const table of await baseTables(tx)) {
          if (NOT_DUMPED.has(table)) continue;
          const columns = await tableColumns(tx, table);
          const file = createWriteStream(join(work, `${table}.jsonl`), { mode: 0o600 });
          let rows = 0;
          const lines = new Transform({
            objectMode: true,
            transform(row: Record<string, unknown>, _enc, cb) {
              rows++;
              cb(null, `${JSON.stringify(columns.map((c) => encodeCell(row[c])))}\n`);
            },
          });
          lines.push(`${JSON.stringify({ table, columns })}\n`);
          await pipeline(tx.select(columns).from(table).stream(), lines, file);
          tables.push({ name: table, rows });
        }
        return { migrations, tables };
      },
      { isolationLevel: 'repeatable read' },
    );
  } finally {
    await db.destroy();
  }
}

// ---- reading

export interface StagedBackup {
  dir: string;
  manifest: Manifest;
  wrappedKey: WrappedKey | null;
  // Each member's permission bits as its tar header records them (what the backup saw on disk).
  modes: ReadonlyMap<string, number>;
  // Removes the staged copy.
  dispose(): Promise<void>;
}

export interface StageOptions {
  // Where the private folder is made. Beside the backups by default in the CLI: os.tmpdir() is
  // often a tmpfs, i.e. RAM, and a backup with recordings may be many gigabytes.
  dir?: string;
  // Bytes to leave free on the staging filesystem; staging is refused before it would dip below.
  reserve?: number;
}

// The marker, the manifest and the wrapped key are read into memory: a header claiming more than
// this is refused before a byte of it is read.
export const SMALL_MEMBER_MAX = 1024 * 1024;
const DEFAULT_RESERVE = 64 * 1024 * 1024;

// tar-stream does not export the type of the members its extract yields.
type TarEntry = ReturnType<typeof tar.extract> extends AsyncIterable<infer E> ? E : never;

const MEMBER_NAME = /^(?:db\/[a-z0-9_]{1,64}\.jsonl|files\/(sounds|moh|voicemail|recordings)\/(.+))$/;

function checkMemberName(name: string): void {
  if (name === MARKER || name === MANIFEST || name === WRAPPED_KEY) return;
  const m = MEMBER_NAME.exec(name);
  if (!m) throw new BackupError(`not a Switchboard backup: unexpected member ${JSON.stringify(name)}`);
  const root = m[1] as FileRoot | undefined;
  if (root && !ROOTS[root].allowed.test(m[2] ?? ''))
    throw new BackupError(`not a Switchboard backup: unexpected member ${JSON.stringify(name)}`);
}

// Reads the whole file into a private folder, checking as it goes: the marker first, each
// member's name and size, then every member's sha256 and size against the manifest. Nothing
// outside that folder is touched; a file that fails any check is refused with the reason, and the
// folder is gone.
export async function stageBackup(file: string, opts: StageOptions = {}): Promise<StagedBackup> {
  const parent = opts.dir ?? tmpdir();
  await mkdir(parent, { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(join(parent, 'sb-restore-'));
  const dispose = () => rm(dir, { recursive: true, force: true });
  const fsInfo = await statfs(dir).catch(async (err: unknown) => {
    await dispose();
    throw err;
  });
  const budget = fsInfo.bavail * fsInfo.bsize - (opts.reserve ?? DEFAULT_RESERVE);
  let staged = 0;
  const extract = tar.extract();
  // Handled at once: when the loop below refuses a member it ends the extract early, the
  // pipeline then rejects ("premature close"), and that rejection must not go unhandled (it would
  // end the CLI with the wrong reason and leave this folder behind). The refusal's reason wins.
  const reading = pipeline(createReadStream(file), createGunzip(), extract);
  // The member being read when the file turns out bad (truncated, not gzip): the pipeline ends
  // the extract but not the member, so the member is ended here, with the reason, or its reader
  // would wait for bytes that never come.
  let current: { destroy(err?: Error): unknown } | null = null;
  let refusal: unknown = null;
  reading.catch((err: unknown) => {
    current?.destroy(err instanceof Error ? err : new Error(String(err)));
  });
  const readMembers = async () => {
    const seen = new Map<string, { size: number; sha256: string }>();
    const modes = new Map<string, number>();
    let first = true;
    let manifestText: string | null = null;
    let wrappedText: string | null = null;
    for await (const entry of extract) {
      try {
        await readMember(entry);
      } catch (err) {
        // Kept before the loop's end closes the extract: the pipeline's "premature close" that
        // follows is an effect of this refusal, not its reason.
        refusal ??= err;
        throw err;
      }
    }
    return { seen, modes, first, manifestText, wrappedText };

    async function readMember(entry: TarEntry): Promise<void> {
      const name = entry.header.name;
      if (first && name !== MARKER)
        throw new BackupError('not a Switchboard backup: the archive does not start with its marker');
      if (entry.header.type !== 'file')
        throw new BackupError(`not a Switchboard backup: member ${JSON.stringify(name)} is not a file`);
      checkMemberName(name);
      if (manifestText !== null)
        throw new BackupError(`the backup is corrupt: ${name} comes after the manifest, which is last`);
      if (seen.has(name)) throw new BackupError(`not a Switchboard backup: member ${name} appears twice`);
      const size = entry.header.size ?? 0;
      const h = hasher();
      if (name === MANIFEST || name === WRAPPED_KEY || name === MARKER) {
        if (size > SMALL_MEMBER_MAX)
          throw new BackupError(
            `not a Switchboard backup: ${name} is ${size} bytes (at most ${SMALL_MEMBER_MAX})`,
          );
        const chunks: Buffer[] = [];
        current = entry;
        await pipeline(
          entry,
          h.stream,
          new Writable({
            write(chunk: Buffer, _enc, cb) {
              chunks.push(chunk);
              cb();
            },
          }),
        );
        const text = Buffer.concat(chunks).toString('utf8');
        if (name === MARKER && text !== `${FORMAT} ${FORMAT_VERSION}\n`)
          throw new BackupError(`not a Switchboard backup of a format this version reads: ${text.trim()}`);
        if (name === MANIFEST) manifestText = text;
        if (name === WRAPPED_KEY) wrappedText = text;
      } else {
        staged += size;
        if (staged > budget)
          throw new BackupError(
            `not enough free space to stage the backup in ${parent}: it needs more than the ${Math.max(0, budget)} bytes there are to spare (free some space, or set BACKUP_DIR on a larger filesystem)`,
          );
        const path = join(dir, name);
        await mkdir(dirname(path), { recursive: true, mode: 0o700 });
        current = entry;
        await pipeline(entry, h.stream, createWriteStream(path, { mode: 0o600 }));
      }
      current = null;
      first = false;
      modes.set(name, (entry.header.mode ?? 0o600) & 0o777);
      if (name !== MANIFEST) seen.set(name, h.digest());
      else if (manifestText === null) throw new BackupError('the manifest is empty');
    }
  };
  try {
    // A bad file ends the pipeline, and tar-stream's extract does not always end its iteration
    // then: whichever settles first decides, so the refusal never waits for bytes that never come.
    const failed = new Promise<never>((_, reject) => {
      reading.catch(reject);
    });
    const { seen, modes, first, manifestText, wrappedText } = await Promise.race([readMembers(), failed]);
    await reading;
    if (first) throw new BackupError('not a Switchboard backup: the archive is empty');
    if (manifestText === null)
      throw new BackupError('the backup is incomplete: it has no manifest (truncated?)');
    const manifest = parseManifest(manifestText);
    const listed = new Map(manifest.members.map((m) => [m.name, m]));
    for (const [name, got] of seen) {
      const want = listed.get(name);
      if (!want) throw new BackupError(`the backup is corrupt: ${name} is not in its manifest`);
      if (want.sha256 !== got.sha256 || want.size !== got.size)
        throw new BackupError(`the backup is corrupt: ${name} does not match its sha256 in the manifest`);
    }
    for (const name of listed.keys())
      if (!seen.has(name)) throw new BackupError(`the backup is incomplete: ${name} is missing`);
    let wrappedKey: WrappedKey | null = null;
    if (wrappedText !== null) {
      try {
        wrappedKey = JSON.parse(wrappedText) as WrappedKey;
      } catch {
        throw new BackupError(`the backup is corrupt: ${WRAPPED_KEY} is not JSON`);
      }
    }
    return { dir, manifest, wrappedKey, modes, dispose };
  } catch (err) {
    // The loop may have stopped early: stop reading the file too, and let the pipeline settle
    // before the folder goes, so no write lands in it afterwards.
    extract.destroy();
    await reading.catch(() => undefined);
    await dispose();
    const reason = refusal ?? err;
    throw reason instanceof BackupError ? reason : describeReadError(reason);
  }
}

function describeReadError(err: unknown): BackupError {
  if (err instanceof BackupError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return new BackupError(`no such file: ${e.path ?? ''}`);
  if (e.code === 'Z_DATA_ERROR') return new BackupError('not a Switchboard backup: not a gzip archive');
  if (e.code === 'Z_BUF_ERROR' || /unexpected end/i.test(e.message))
    return new BackupError('the backup is truncated: the archive ends early');
  return new BackupError(`the backup cannot be read: ${e.message}`);
}

function parseManifest(text: string): Manifest {
  let m: Partial<Manifest>;
  try {
    m = JSON.parse(text) as Partial<Manifest>;
  } catch {
    throw new BackupError('the backup is corrupt: its manifest is not JSON');
  }
  if (m.format !== FORMAT) throw new BackupError('not a Switchboard backup: wrong manifest format');
  if (m.format_version !== FORMAT_VERSION)
    throw new BackupError(
      `this version reads backup format ${FORMAT_VERSION}, not ${String(m.format_version)}`,
    );
  if (!Array.isArray(m.members) || !Array.isArray(m.schema?.migrations) || !Array.isArray(m.tables) || !m.key)
    throw new BackupError('the backup is corrupt: its manifest lacks members, schema, tables or key');
  return m as Manifest;
}

// The rows of one staged table: its columns, then each row's cells in that order.
export async function* stagedRows(
  staged: StagedBackup,
  table: string,
): AsyncGenerator<{ columns: string[] } | { row: Cell[] }> {
  const lines = createInterface({ input: createReadStream(join(staged.dir, 'db', `${table}.jsonl`)) });
  let header = true;
  for await (const line of lines) {
    if (!line) continue;
    if (header) {
      const h = JSON.parse(line) as { table: string; columns: string[] };
      if (h.table !== table)
        throw new BackupError(`the backup is corrupt: db/${table}.jsonl names ${h.table}`);
      header = false;
      yield { columns: h.columns };
    } else yield { row: JSON.parse(line) as Cell[] };
  }
}

export function stagedFiles(
  staged: StagedBackup,
): Array<{ root: FileRoot; rel: string; path: string; mode: number }> {
  const out: Array<{ root: FileRoot; rel: string; path: string; mode: number }> = [];
  for (const m of staged.manifest.members) {
    const match = /^files\/(sounds|moh|voicemail|recordings)\/(.+)$/.exec(m.name);
    if (!match) continue;
    out.push({
      root: match[1] as FileRoot,
      rel: match[2] as string,
      path: join(staged.dir, m.name),
      mode: restoredMode(match[1] as FileRoot, staged.modes.get(m.name)),
    });
  }
  return out;
}

// The mode the backup recorded, never more open than Asterisk needs: greetings and music on hold
// at most 0644, voicemail and recordings (callers' words) at most 0640. The owner keeps read and
// write whatever the header says, or Switchboard could not replace the file later.
export function restoredMode(root: FileRoot, recorded: number | undefined): number {
  const cap = root === 'voicemail' || root === 'recordings' ? 0o640 : 0o644;
  return ((recorded ?? cap) & cap) | 0o600;
}

export function rootBase(root: FileRoot, src: Omit<BackupSources, 'databaseUrl'>): string {
  return ROOTS[root].base({ ...src, databaseUrl: '' });
}

export async function rootTops(root: FileRoot, src: Omit<BackupSources, 'databaseUrl'>): Promise<string[]> {
  return ROOTS[root].tops(rootBase(root, src));
}

export { exactKnex, type WrappedKey };

// The top-level entries of `base` that a root's files would occupy (for a folder laid out like
// the root, e.g. a restore's staging copy of it).
export function topsIn(root: FileRoot, base: string): Promise<string[]> {
  return ROOTS[root].tops(base);
}
