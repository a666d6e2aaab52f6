import { chmod, mkdir, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicCopy } from '../lib/atomic-write';
import { className } from './schema';

// Where Asterisk finds the classes' files: astdatadir/moh (asterisk-config/asterisk.conf sets
// astdatadir = /usr/share/asterisk), beside the packaged default class's moh/ files. This is the
// path as Asterisk sees it; Switchboard writes the same directory as config.asteriskMohDir,
// which differs when Asterisk runs in a chroot or a container.
export const ASTERISK_MOH_ROOT = '/usr/share/asterisk/moh';

export function asteriskDirectory(classId: number): string {
  return `${ASTERISK_MOH_ROOT}/${className(classId)}`;
}

// A file's name on disk comes from its id and a slug of its validated display name: nothing
// uploaded names a file, and sort=alpha (Asterisk sorts by path) follows the display names.
export function diskName(fileId: number, displayName: string): string {
  const slug = displayName
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return `${slug || 'track'}-${fileId}.wav`;
}

export class MohFiles {
  constructor(private readonly root: string) {}

  dir(classId: number): string {
    return join(this.root, className(classId));
  }

  path(classId: number, disk: string): string {
    return join(this.dir(classId), disk);
  }

  // Asterisk's asterisk user reads these: directories 0755, files 0644.
  async ensureDir(classId: number): Promise<void> {
    await mkdir(this.dir(classId), { recursive: true, mode: 0o755 });
    await chmod(this.dir(classId), 0o755);
  }

  // A dot-named temp file + rename: Asterisk's scan skips names starting with a dot, so it never
  // lists a half-written track.
  async install(from: string, classId: number, disk: string): Promise<void> {
    await this.ensureDir(classId);
    await atomicCopy(from, this.path(classId, disk));
  }

  async remove(classId: number, disk: string): Promise<void> {
    await unlink(this.path(classId, disk)).catch((err: unknown) => {
      if ((err as { code?: string }).code !== 'ENOENT') throw err;
    });
  }

  async removeClass(classId: number): Promise<void> {
    await rm(this.dir(classId), { recursive: true, force: true });
  }
}
