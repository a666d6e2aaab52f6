import { randomBytes } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Knex } from 'knex';
import type { Config } from '../config';
import type { Deps } from '../deps';
import { ConflictError, NotFoundError } from '../http/errors';
import type { Logger } from '../lib/log';
import { sealingKey } from '../lib/sealed';
import { type BackupSources, createBackup, type Manifest } from './archive';

// switchboard-20261208-023000-1a2b3c.tar.gz: sorts by time; the suffix keeps two backups taken
// in the same second apart. Only names of this shape are listed, served or deleted.
export const BACKUP_NAME = /^switchboard-\d{8}-\d{6}-[0-9a-f]{6}\.tar\.gz$/;

export function backupSources(config: Config): BackupSources {
  return {
    databaseUrl: config.databaseUrl,
    soundsDir: config.asteriskSoundsDir,
    mohDir: config.asteriskMohDir,
    spoolDir: config.asteriskSpoolDir,
    monitorDir: config.asteriskMonitorDir,
  };
}

export function newBackupName(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `switchboard-${stamp}-${randomBytes(3).toString('hex')}.tar.gz`;
}

export interface BackupFile {
  name: string;
  size: number;
  created_at: string;
}

export async function listBackups(dir: string): Promise<BackupFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: Array<BackupFile & { mtimeNs: bigint }> = [];
  for (const name of names.filter((n) => BACKUP_NAME.test(n))) {
    const info = await stat(join(dir, name), { bigint: true }).catch(() => null);
    if (info?.isFile())
      out.push({
        name,
        size: Number(info.size),
        created_at: info.mtime.toISOString(),
        mtimeNs: info.mtimeNs,
      });
  }
  // Newest first by when the file was completed (its last write, kept by the rename): two backups
  // of the same second are told apart by that, not by their names' random suffix.
  out.sort((a, b) => (a.mtimeNs === b.mtimeNs ? (a.name < b.name ? 1 : -1) : a.mtimeNs < b.mtimeNs ? 1 : -1));
  return out.map(({ mtimeNs: _, ...b }) => b);
}

export async function backupPath(dir: string, name: string): Promise<string> {
  if (!BACKUP_NAME.test(name)) throw new NotFoundError('backup');
  const path = join(dir, name);
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) throw new NotFoundError('backup');
  return path;
}

export async function deleteBackup(dir: string, name: string): Promise<void> {
  await rm(await backupPath(dir, name));
}

// Keeps the newest `keep` backups and deletes the others.
export async function applyRetention(dir: string, keep: number): Promise<string[]> {
  const old = (await listBackups(dir)).slice(keep).map((b) => b.name);
  for (const name of old) await rm(join(dir, name), { force: true });
  return old;
}

export interface BackupJob {
  id: number;
  status: 'running' | 'succeeded' | 'failed';
  file_name: string;
  recordings: boolean;
  requested_by: string;
  bytes_written: number;
  error: string | null;
  started_at: string;
  finished_at: string | null;
}

interface JobRow {
  id: number;
  status: BackupJob['status'];
  file_name: string;
  recordings: number | boolean;
  requested_by: string;
  bytes_written: number | string;
  error: string | null;
  started_at: Date;
  finished_at: Date | null;
}

const toJob = (r: JobRow): BackupJob => ({
  id: r.id,
  status: r.status,
  file_name: r.file_name,
  recordings: Boolean(r.recordings),
  requested_by: r.requested_by,
  bytes_written: Number(r.bytes_written),
  error: r.error,
  started_at: r.started_at.toISOString(),
  finished_at: r.finished_at ? r.finished_at.toISOString() : null,
});

export async function getJob(db: Knex, id: number): Promise<BackupJob> {
  const row = (await db('backup_jobs').where({ id }).first()) as JobRow | undefined;
  if (!row) throw new NotFoundError('backup job');
  return toJob(row);
}

export async function recentJobs(db: Knex, limit = 10): Promise<BackupJob[]> {
  const rows = (await db('backup_jobs').orderBy('id', 'desc').limit(limit)) as JobRow[];
  return rows.map(toJob);
}

// Runs backups in the background, one at a time per process, and records each in backup_jobs.
export class BackupRunner {
  private current: Promise<unknown> | null = null;
  // null: the start-up clean-up is still owed (its last attempt failed).
  private recovered: Promise<void> | null = Promise.resolve();

  constructor(
    private readonly db: Knex,
    private readonly config: Config,
    private readonly log: Logger,
  ) {}

  // Starts a backup and answers at once with its job; the job row follows its progress.
  async start(opts: { recordings: boolean; by: string }): Promise<BackupJob> {
    if (this.current) throw new ConflictError('a backup is already running');
    const name = newBackupName();
    // Taken before the first await, so two requests at once cannot both start one.
    let release: () => void = () => undefined;
    const claimed = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.current = claimed;
    try {
      await this.ready();
      const [id] = (await this.db('backup_jobs').insert({
        status: 'running',
        file_name: name,
        recordings: opts.recordings,
        requested_by: opts.by,
      })) as [number];
      this.current = this.run(id, name, opts.recordings).finally(() => {
        this.current = null;
      });
      return await getJob(this.db, id);
    } catch (err) {
      this.current = null;
      throw err;
    } finally {
      release();
    }
  }

  // At start nothing runs yet: a job still "running" was cut short by a stop or a crash, and a
  // .partial file is what it left behind.
  // Resolves once recover() has run: a listing before that would show a stale job as running.
  // A clean-up that failed (the database away at start) is tried again by the next caller rather
  // than kept: a rejected promise held here would fail every listing and backup until a restart.
  ready(): Promise<void> {
    if (this.recovered === null) {
      const attempt = this.cleanUp();
      this.recovered = attempt;
      attempt.catch(() => {
        if (this.recovered === attempt) this.recovered = null;
      });
    }
    return this.recovered;
  }

  recover(): Promise<void> {
    this.recovered = null;
    return this.ready();
  }

  private async cleanUp(): Promise<void> {
    await this.db('backup_jobs')
      .where({ status: 'running' })
      .update({
        status: 'failed',
        error: 'interrupted: Switchboard stopped during the backup',
        finished_at: this.db.fn.now(3),
      });
    for (const name of await readdir(this.config.backup.dir).catch(() => [] as string[]))
      if (/^\.[0-9a-f]{12}\.partial$/.test(name))
        await rm(join(this.config.backup.dir, name), { force: true });
  }

  // The schedule's entry point: waits for its backup to end.
  async runScheduled(): Promise<BackupJob> {
    const job = await this.start({ recordings: this.config.backup.recordings, by: 'schedule' });
    await this.current;
    return getJob(this.db, job.id);
  }

  async drain(): Promise<void> {
    await this.current;
  }

  private async run(id: number, name: string, recordings: boolean): Promise<Manifest | null> {
    const { dir, keep, passphrase } = this.config.backup;
    let lastWrite = 0;
    let pending: Promise<unknown> = Promise.resolve();
    try {
      const manifest = await createBackup(backupSources(this.config), join(dir, name), {
        recordings,
        passphrase,
        sealingKey: sealingKey(),
        // At most one progress write a second: the row is for people watching, not an exact log.
        onProgress: (bytes) => {
          const now = Date.now();
          if (now - lastWrite < 1000) return;
          lastWrite = now;
          pending = pending.then(() =>
            this.db('backup_jobs')
              .where({ id })
              .update({ bytes_written: bytes })
              .catch(() => undefined),
          );
        },
      });
      await pending;
      const size = (await stat(join(dir, name))).size;
      await this.db('backup_jobs')
        .where({ id })
        .update({ status: 'succeeded', bytes_written: size, finished_at: this.db.fn.now(3) });
      const removed = await applyRetention(dir, keep);
      this.log.info({ backup: name, bytes: size, removed }, 'backup written');
      return manifest;
    } catch (err) {
      await pending;
      const message = err instanceof Error ? err.message : String(err);
      this.log.error({ err, backup: name }, 'backup failed');
      await this.db('backup_jobs')
        .where({ id })
        .update({ status: 'failed', error: message.slice(0, 1000), finished_at: this.db.fn.now(3) });
      return null;
    }
  }
}

// One runner per Switchboard: the routes, the pages and the schedule share it, and stopping the
// process waits for a backup under way (it uses the pool that is destroyed next).
const runners = new WeakMap<Deps, BackupRunner>();
export function backupRunner(deps: Deps): BackupRunner {
  let runner = runners.get(deps);
  if (!runner) {
    const created = new BackupRunner(deps.db, deps.config, deps.log);
    deps.lifecycle.onStop(() => created.drain());
    runners.set(deps, created);
    runner = created;
  }
  return runner;
}
