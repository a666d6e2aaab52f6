import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { touched } from '../apply/scope';
import type { Actor } from '../apply/trigger';
import { mapDbError } from '../db/mysql-errors';
import { withTx } from '../db/tx';
import { ConflictError, NotFoundError, ValidationError } from '../http/errors';
import { convertTrack } from './audio';
import { diskName, MohFiles } from './files';
import * as repo from './repo';
import {
  type CreateMohClassInput,
  className,
  MAX_CLASSES,
  MAX_FILES_PER_CLASS,
  MAX_UPLOAD_BYTES,
  MohName,
  type UpdateMohClassInput,
} from './schema';

export interface MohFileApi {
  id: number;
  name: string;
  duration_ms: number;
  bytes: number;
  audio_url: string;
  created_at: Date;
}

export interface MohClassApi {
  id: number;
  name: string;
  class_name: string; // what queues.conf and ARI name it
  sort: 'random' | 'alpha';
  files: MohFileApi[];
  used_by: string[];
  created_at: Date;
  updated_at: Date;
}

export const tooLarge = () =>
  new ValidationError(
    [{ path: 'file', message: `larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB` }],
    'too large',
  );

// The display name of an uploaded track: the given name, else the upload's own file name without
// its extension; either must pass MohName (a hostile file name is refused, not cleaned up).
export function trackName(given: string | undefined, originalName: string | undefined): string {
  const raw = given ?? (originalName ?? '').replace(/\.[A-Za-z0-9]{1,5}$/, '');
  const parsed = MohName.safeParse(raw);
  if (!parsed.success) {
    throw new ValidationError(
      [
        {
          path: given === undefined ? 'file' : 'name',
          message: `${given === undefined ? 'the file name' : 'the name'} must be 1-80 letters, digits, spaces and . _ ( ) - only`,
        },
      ],
      'bad name',
    );
  }
  return parsed.data;
}

export class MohClasses {
  readonly files: MohFiles;

  constructor(
    private readonly db: Knex,
    mohDir: string,
  ) {
    this.files = new MohFiles(mohDir);
  }

  async list(): Promise<MohClassApi[]> {
    const [classes, files] = await Promise.all([repo.listClasses(this.db), repo.files(this.db)]);
    const out: MohClassApi[] = [];
    for (const c of classes) {
      out.push(
        toApi(
          c,
          files.filter((f) => f.class_id === c.id),
          await repo.usersOf(this.db, className(c.id)),
        ),
      );
    }
    return out;
  }

  async get(id: number): Promise<MohClassApi> {
    const c = await repo.findClass(this.db, id);
    if (!c) throw new NotFoundError(`music on hold class ${id}`);
    const [files, users] = await Promise.all([
      repo.files(this.db, [id]),
      repo.usersOf(this.db, className(id)),
    ]);
    return toApi(c, files, users);
  }

  async create(input: CreateMohClassInput, actor: Actor): Promise<MohClassApi> {
    const id = await withTx(this.db, async (tx) => {
      // The count is checked under a lock on the table's rows so two creations cannot both pass.
      await tx('moh_classes').forUpdate().select('id');
      if ((await repo.countClasses(tx)) >= MAX_CLASSES) {
        throw new ConflictError(`at most ${MAX_CLASSES} music on hold classes`);
      }
      let newId: number;
      try {
        newId = await repo.insertClass(tx, { name: input.name, sort: input.sort });
      } catch (err) {
        throw mapDbError(err, 'name');
      }
      tx.afterCommit(() => actor.requestApply(`music on hold ${input.name} created`, touched('mohClasses')));
      return newId;
    });
    // A new id can still have a directory left by a database that was restored from an older
    // backup or dropped: its files are not this class's.
    await this.files.removeClass(id);
    await this.files.ensureDir(id);
    return this.get(id);
  }

  async update(id: number, input: UpdateMohClassInput, actor: Actor): Promise<MohClassApi> {
    await withTx(this.db, async (tx) => {
      const c = await repo.lockClass(tx, id);
      if (!c) throw new NotFoundError(`music on hold class ${id}`);
      const changes = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
      try {
        await repo.updateClass(tx, id, changes);
      } catch (err) {
        throw mapDbError(err, 'name');
      }
      tx.afterCommit(() => actor.requestApply(`music on hold ${c.name} updated`, touched('mohClasses')));
    });
    return this.get(id);
  }

  // Refused with 409 naming them while a queue or ring group plays the class.
  async remove(id: number, actor: Actor): Promise<void> {
    await withTx(this.db, async (tx) => {
      const c = await repo.lockClass(tx, id);
      if (!c) throw new NotFoundError(`music on hold class ${id}`);
      const users = await repo.usersOf(tx, className(id));
      if (users.length > 0) {
        throw new ConflictError(
          `music on hold "${c.name}" cannot be deleted while it is used by ${users.join(', ')}`,
        );
      }
      await repo.removeClass(tx, id);
      tx.afterCommit(() => actor.requestApply(`music on hold ${c.name} deleted`, touched('mohClasses')));
    });
    // After the commit: files without a row are harmless, a row without its files is not.
    await this.files.removeClass(id);
  }

  async addFile(
    id: number,
    upload: { data: Buffer; originalName?: string | undefined } | null,
    name: string | undefined,
    actor: Actor,
  ): Promise<MohFileApi> {
    if (!upload) throw new ValidationError([{ path: 'file', message: 'an audio file is required' }]);
    if (upload.data.length > MAX_UPLOAD_BYTES) throw tooLarge();
    const display = trackName(name, upload.originalName);
    const c = await repo.findClass(this.db, id);
    if (!c) throw new NotFoundError(`music on hold class ${id}`);
    const scratch = await mkdtemp(join(tmpdir(), 'sb-moh-'));
    try {
      const track = await convertTrack(upload.data, scratch);
      let installed: string | null = null;
      try {
        const row = await withTx(this.db, async (tx) => {
          const locked = await repo.lockClass(tx, id);
          if (!locked) throw new NotFoundError(`music on hold class ${id}`);
          if ((await repo.files(tx, [id])).length >= MAX_FILES_PER_CLASS) {
            throw new ConflictError(`a class holds at most ${MAX_FILES_PER_CLASS} files`);
          }
          let inserted: repo.MohFileRow;
          try {
            inserted = await repo.insertFile(
              tx,
              { class_id: id, name: display, duration_ms: track.durationMs, bytes: track.bytes },
              (fileId) => diskName(fileId, display),
            );
          } catch (err) {
            throw mapDbError(err, 'name');
          }
          await this.files.install(track.wav, id, inserted.disk_name);
          installed = inserted.disk_name;
          tx.afterCommit(() =>
            actor.requestApply(`music on hold ${locked.name}: ${display} added`, touched('mohClasses')),
          );
          return inserted;
        });
        return fileToApi(row);
      } catch (err) {
        if (installed !== null) await this.files.remove(id, installed);
        throw err;
      }
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  async removeFile(id: number, fileId: number, actor: Actor): Promise<void> {
    const disk = await withTx(this.db, async (tx) => {
      const c = await repo.lockClass(tx, id);
      if (!c) throw new NotFoundError(`music on hold class ${id}`);
      const f = await repo.findFile(tx, id, fileId);
      if (!f) throw new NotFoundError(`file ${fileId} of music on hold class ${id}`);
      await repo.removeFile(tx, id, fileId);
      tx.afterCommit(() =>
        actor.requestApply(`music on hold ${c.name}: ${f.name} deleted`, touched('mohClasses')),
      );
      return f.disk_name;
    });
    await this.files.remove(id, disk);
  }

  async filePath(id: number, fileId: number): Promise<string> {
    const f = await repo.findFile(this.db, id, fileId);
    if (!f) throw new NotFoundError(`file ${fileId} of music on hold class ${id}`);
    return this.files.path(id, f.disk_name);
  }
}

function fileToApi(f: repo.MohFileRow): MohFileApi {
  return {
    id: f.id,
    name: f.name,
    duration_ms: f.duration_ms,
    bytes: f.bytes,
    audio_url: `/api/v1/moh/${f.class_id}/files/${f.id}/audio`,
    created_at: f.created_at,
  };
}

function toApi(c: repo.MohClassRow, files: repo.MohFileRow[], users: string[]): MohClassApi {
  return {
    id: c.id,
    name: c.name,
    class_name: className(c.id),
    sort: c.sort,
    files: files.map(fileToApi),
    used_by: users,
    created_at: c.created_at,
    updated_at: c.updated_at,
  };
}
