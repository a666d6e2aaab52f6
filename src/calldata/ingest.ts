import { open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Knex } from 'knex';
import type { Logger } from '../lib/log';
import { type Parsed, parseCdr, parseCel, parseQueueLog } from './parse';

// Asterisk appends CDRs, CEL events and queue_log lines to files; this reads what is new since
// the byte offset stored for each file and inserts it. Rows and the new offset are committed in
// one transaction, so a crash, a stop or two Switchboards at once never lose nor double a line,
// and whatever Asterisk wrote while Switchboard was down is read when it comes back.

interface Source {
  name: 'cdr' | 'cel' | 'queue_log';
  relPath: string;
  table: string;
  parse(line: string): Parsed<object>;
}

export const SOURCES: readonly Source[] = [
  { name: 'cdr', relPath: 'cdr-custom/switchboard-cdr.json', table: 'cdr_records', parse: parseCdr },
  { name: 'cel', relPath: 'cel-custom/switchboard-cel.json', table: 'cel_events', parse: parseCel },
  { name: 'queue_log', relPath: 'queue_log', table: 'queue_log_events', parse: parseQueueLog },
];

export interface IngestResult {
  records: number;
  badLines: number;
}

interface Position {
  inode: number;
  offset: number;
}

const CHUNK_BYTES = 4 * 1024 * 1024;
const INSERT_BATCH = 1000;

export async function ingestOnce(
  db: Knex,
  logDir: string,
  log: Logger,
  opts: { chunkBytes?: number } = {},
): Promise<IngestResult> {
  const total: IngestResult = { records: 0, badLines: 0 };
  for (const source of SOURCES) {
    const r = await ingestSource(
      db,
      source,
      join(logDir, source.relPath),
      log,
      opts.chunkBytes ?? CHUNK_BYTES,
    );
    total.records += r.records;
    total.badLines += r.badLines;
  }
  return total;
}

async function ingestSource(
  db: Knex,
  source: Source,
  path: string,
  log: Logger,
  chunkBytes: number,
): Promise<IngestResult> {
  await db('calldata_sources').insert({ name: source.name, path }).onConflict('name').ignore();
  const stored = await position(db, source.name);
  const current = await stat(path).catch(() => null);
  const result: IngestResult = { records: 0, badLines: 0 };
  const add = (r: IngestResult) => {
    result.records += r.records;
    result.badLines += r.badLines;
  };

  if (stored.inode !== 0 && current?.ino !== stored.inode) {
    // The file was rotated (renamed, a new one started): finish the old one where it now lives.
    const old = await findByInode(path, stored.inode);
    if (old) add(await drain(db, source, old, stored.inode, log, chunkBytes));
    else if (current)
      log.warn(
        { source: source.name, path, offset: stored.offset },
        'call-data file was replaced and the old one is gone: lines after the stored offset may be missing',
      );
    if (!current) return result;
    const now = await position(db, source.name);
    if (now.inode === stored.inode) await commit(db, source, now, { inode: current.ino, offset: 0 }, [], 0);
  } else if (current && current.size < stored.offset) {
    log.warn(
      { source: source.name, path, offset: stored.offset, size: current.size },
      'call-data file truncated',
    );
    await commit(db, source, stored, { inode: current.ino, offset: 0 }, [], 0);
  }
  if (!current) return result;
  add(await drain(db, source, path, current.ino, log, chunkBytes));
  return result;
}

// Reads whole lines from the stored offset to the end of the file, one chunk per transaction.
async function drain(
  db: Knex,
  source: Source,
  path: string,
  inode: number,
  log: Logger,
  chunkBytes: number,
): Promise<IngestResult> {
  const result: IngestResult = { records: 0, badLines: 0 };
  const handle = await open(path, 'r').catch(() => null);
  if (!handle) return result;
  try {
    for (;;) {
      const from = await position(db, source.name);
      // Someone else (another instance) switched files meanwhile: stop here.
      if (from.inode !== 0 && from.inode !== inode) return result;
      const buf = Buffer.alloc(chunkBytes);
      const { bytesRead } = await handle.read(buf, 0, chunkBytes, from.offset);
      if (bytesRead === 0) return result;
      const end = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
      // A line longer than a whole chunk is not a record Asterisk writes: skip it.
      const consumed = end >= 0 ? end + 1 : bytesRead === chunkBytes ? bytesRead : 0;
      if (consumed === 0) return result; // only a partial line so far: Asterisk is mid-write
      const rows: object[] = [];
      let bad = end >= 0 ? 0 : 1;
      const text = end >= 0 ? buf.subarray(0, end).toString('utf8') : '';
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        const parsed = source.parse(line);
        if (parsed.ok) rows.push(parsed.row);
        else {
          bad++;
          log.warn(
            { source: source.name, error: parsed.error, line: line.slice(0, 200) },
            'call-data line skipped',
          );
        }
      }
      const next = { inode, offset: from.offset + consumed };
      if (!(await commit(db, source, from, next, rows, bad))) return result;
      result.records += rows.length;
      result.badLines += bad;
      if (bytesRead < chunkBytes) return result;
    }
  } finally {
    await handle.close();
  }
}

// Inserts the rows and moves the offset, only if the offset is still where this read started.
async function commit(
  db: Knex,
  source: Source,
  expected: Position,
  next: Position,
  rows: object[],
  badLines: number,
): Promise<boolean> {
  return db.transaction(async (trx) => {
    const row = (await trx('calldata_sources')
      .where({ name: source.name })
      .forUpdate()
      .first('inode', 'offset')) as { inode: number | string; offset: number | string } | undefined;
    if (!row || Number(row.inode) !== expected.inode || Number(row.offset) !== expected.offset) return false;
    for (let i = 0; i < rows.length; i += INSERT_BATCH) {
      await trx(source.table).insert(rows.slice(i, i + INSERT_BATCH));
    }
    await trx('calldata_sources')
      .where({ name: source.name })
      .update({
        inode: next.inode,
        offset: next.offset,
        records: trx.raw('records + ?', [rows.length]),
        bad_lines: trx.raw('bad_lines + ?', [badLines]),
        updated_at: trx.fn.now(3),
      });
    return true;
  });
}

async function position(db: Knex, name: string): Promise<Position> {
  const row = (await db('calldata_sources').where({ name }).first('inode', 'offset')) as
    | { inode: number | string; offset: number | string }
    | undefined;
  return { inode: Number(row?.inode ?? 0), offset: Number(row?.offset ?? 0) };
}

// logrotate names the old file queue_log.1, queue_log-20261201, …: same folder, same prefix.
async function findByInode(path: string, inode: number): Promise<string | null> {
  const dir = dirname(path);
  const prefix = basename(path);
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const candidate = join(dir, name);
    const st = await stat(candidate).catch(() => null);
    if (st?.isFile() && st.ino === inode) return candidate;
  }
  return null;
}

// A new installation on an Asterisk with months of logs may not want them: on a database that
// has never read a file, start each file at its current end. Files already being read keep
// their offsets (this never skips a line after the first start).
export async function skipExistingCallData(db: Knex, logDir: string): Promise<void> {
  for (const source of SOURCES) {
    const path = join(logDir, source.relPath);
    const st = await stat(path).catch(() => null);
    await db('calldata_sources')
      .insert({ name: source.name, path, inode: st?.ino ?? 0, offset: st?.size ?? 0 })
      .onConflict('name')
      .ignore();
  }
}

export interface SourceStatus {
  name: string;
  path: string;
  offset: number;
  records: number;
  badLines: number;
  updatedAt: Date;
  lagBytes: number | null;
}

// For the health page and operators: how far behind each file is.
export async function ingestStatus(db: Knex, logDir: string): Promise<SourceStatus[]> {
  const rows = (await db('calldata_sources').select()) as Array<{
    name: string;
    path: string;
    offset: number | string;
    records: number | string;
    bad_lines: number;
    updated_at: Date;
  }>;
  return Promise.all(
    SOURCES.map(async (s) => {
      const row = rows.find((r) => r.name === s.name);
      const path = join(logDir, s.relPath);
      const size = (await stat(path).catch(() => null))?.size ?? null;
      const offset = Number(row?.offset ?? 0);
      return {
        name: s.name,
        path,
        offset,
        records: Number(row?.records ?? 0),
        badLines: row?.bad_lines ?? 0,
        updatedAt: row?.updated_at ?? new Date(0),
        lagBytes: size === null ? null : Math.max(0, size - offset),
      };
    }),
  );
}
