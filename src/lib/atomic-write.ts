import { randomBytes } from 'node:crypto';
import { chmod, copyFile, open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

// temp file + fsync + rename: a reader (Asterisk) sees the old bytes or the new ones, never half.
const tempBeside = (path: string) => join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`);

export async function atomicWrite(path: string, content: string, mode = 0o644): Promise<void> {
  const tmp = tempBeside(path);
  try {
    const fh = await open(tmp, 'w', mode);
    try {
      await fh.writeFile(content);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    // A full disk fails the write half way: the partial temp file must not stay behind, taking
    // the space the next attempt needs.
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

// The same for a copy of the file at `from`, made readable (0644 unless told) for Asterisk. The
// temp file's name starts with a dot, so a directory scan (Asterisk's music on hold) skips it
// while it is half written.
export async function atomicCopy(from: string, to: string, mode = 0o644): Promise<void> {
  const tmp = tempBeside(to);
  try {
    await copyFile(from, tmp);
    await chmod(tmp, mode);
    const fh = await open(tmp, 'r');
    await fh.sync().finally(() => fh.close());
    await rename(tmp, to);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
