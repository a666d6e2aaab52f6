import { randomBytes } from 'node:crypto';
import { chmod, chown, copyFile, mkdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { GreetingFiles } from '../../greetings';
import { mailboxDir } from '../spool';
import type { GreetingKind } from './repo';

// app_voicemail's names for a box's greetings (apps/app_voicemail.c): unavail, busy, greet (the
// recorded name) and temp (played instead of the others while it exists).
export const SPOOL_NAME: Readonly<Record<GreetingKind, string>> = {
  unavailable: 'unavail',
  busy: 'busy',
  name: 'greet',
  temporary: 'temp',
};
const FORMATS = ['wav', 'sln16'] as const;

export interface GreetingSource {
  id: number;
  language: string; // the variant copied: the greeting's default language, or its first
}

// Copies each chosen greeting into the box's spool directory; a greeting that was set and is
// now unset loses its files (a greeting never set by Switchboard may be one recorded from the
// phone's menu, so it is left alone). Files and directories get the owner of the spool's
// voicemail directory, so Asterisk (another user, maybe in a chroot) can read and add to them.
export async function syncBoxGreetings(
  soundsDir: string,
  spoolDir: string,
  number: string,
  before: Partial<Record<GreetingKind, number | null>>,
  after: Partial<Record<GreetingKind, GreetingSource | null>>,
): Promise<void> {
  const store = new GreetingFiles(soundsDir);
  const dir = mailboxDir(spoolDir, number);
  const owner = await ensureDir(dir);
  for (const [kind, name] of Object.entries(SPOOL_NAME) as Array<[GreetingKind, string]>) {
    const source = after[kind];
    if (source) {
      for (const format of FORMATS) {
        await installCopy(
          store.storePath(source.id, source.language, format),
          join(dir, `${name}.${format}`),
          owner,
        );
      }
    } else if (source === null && before[kind] != null) {
      for (const format of FORMATS) await unlink(join(dir, `${name}.${format}`)).catch(ignoreMissing);
    }
  }
}

interface Owner {
  uid: number;
  gid: number;
}

// Creates <spool>/voicemail/switchboard/<n>, each new level owned like <spool>/voicemail.
async function ensureDir(dir: string): Promise<Owner | null> {
  const voicemailRoot = dirname(dirname(dir));
  await mkdir(voicemailRoot, { recursive: true, mode: 0o775 });
  const info = await stat(voicemailRoot);
  const owner = { uid: info.uid, gid: info.gid };
  for (const level of [dirname(dir), dir]) {
    try {
      await mkdir(level, { mode: 0o775 });
      await chmod(level, 0o775);
      await giveTo(level, owner);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return owner;
}

async function giveTo(path: string, owner: Owner | null): Promise<void> {
  if (!owner) return;
  try {
    await chown(path, owner.uid, owner.gid);
  } catch (err) {
    // Not root: the file stays ours, readable by all (0644/0775), which is enough to play it.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
  }
}

// Temp file + rename: a caller hears the old greeting or the new one, never half of one.
async function installCopy(from: string, to: string, owner: Owner | null): Promise<void> {
  const tmp = join(dirname(to), `.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await copyFile(from, tmp);
    await chmod(tmp, 0o644);
    await giveTo(tmp, owner);
    await rename(tmp, to);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

function ignoreMissing(err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
}
