import { randomBytes } from 'node:crypto';
import { chown, link, mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError, NotFoundError } from '../../http/errors';
import { type Folder, listFolder, mailboxDir, type SpoolMessage } from '../spool';

// Changes to the voicemail spool made the way app_voicemail (file storage) makes them, so the
// phone's menu, MWI polling and the delivery job see exactly what Asterisk itself would leave:
//
// - Locking: ast_lock_path() with asterisk.conf's default lockmode=lockfile creates
//   <dir>/.lock-<random>, then link()s it to <dir>/.lock, retrying while EEXIST for up to 5 s,
//   and unlinks the temporary name; unlocking unlinks <dir>/.lock. We take the same lock, so
//   a phone inside the mailbox and the web UI never renumber a folder at the same time.
// - "Save to Old" (save_to_folder): lock Old, next number = last_message_index(Old) + 1 (the
//   highest existing msgNNNN.txt + 1, not the first gap), copy every format and the .txt there.
// - Closing the folder (close_mailbox): with INBOX locked, the messages that stay are renamed
//   down so that INBOX is msg0000..msgN-1 with no gap, and what was left over is deleted.
// Where app_voicemail copies and then deletes, we rename (same directory tree): the end state is
// identical, file ownership is kept, and no half-copied message is ever visible.

const LOCK_WAIT_MS = 5000;

export class SpoolLockTimeout extends ConflictError {
  constructor(dir: string) {
    super(`the mailbox is busy (folder ${dir.split('/').pop() ?? ''} is locked); try again`);
  }
}

export async function lockPath(dir: string): Promise<() => Promise<void>> {
  const temp = join(dir, `.lock-${randomBytes(4).toString('hex')}`);
  const lock = join(dir, '.lock');
  const handle = await open(temp, 'wx', 0o660);
  await handle.close();
  const started = Date.now();
  try {
    for (;;) {
      try {
        await link(temp, lock);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || Date.now() - started > LOCK_WAIT_MS) {
          throw (err as NodeJS.ErrnoException).code === 'EEXIST' ? new SpoolLockTimeout(dir) : err;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  return async () => {
    await unlink(lock).catch(() => undefined);
  };
}

async function withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const unlock = await lockPath(dir);
  try {
    return await fn();
  } finally {
    await unlock();
  }
}

const msgName = (index: number) => `msg${String(index).padStart(4, '0')}`;

// Every file of message <index> in <dir>: msgNNNN.txt and msgNNNN.<format> for each format.
async function filesOf(dir: string, index: number): Promise<string[]> {
  const prefix = `${msgName(index)}.`;
  return (await readdir(dir)).filter((n) => n.startsWith(prefix));
}

// last_message_index(): the highest NNNN having a msgNNNN.txt, or -1.
export async function lastMessageIndex(dir: string): Promise<number> {
  let last = -1;
  for (const name of await readdir(dir).catch(ignoreMissing([] as string[]))) {
    const m = /^msg([0-9]{4})\.txt$/.exec(name);
    if (m) last = Math.max(last, Number(m[1]));
  }
  return last;
}

function ignoreMissing<T>(fallback: T) {
  return (err: unknown): T => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw err;
  };
}

// The .txt last: a reader that sees msgNNNN.txt (the spool's index) finds its audio beside it.
async function moveMessage(fromDir: string, from: number, toDir: string, to: number): Promise<void> {
  const names = await filesOf(fromDir, from);
  const ordered = [...names.filter((n) => !n.endsWith('.txt')), ...names.filter((n) => n.endsWith('.txt'))];
  for (const name of ordered) {
    const ext = name.slice(msgName(from).length);
    await rename(join(fromDir, name), join(toDir, msgName(to) + ext));
  }
}

// close_mailbox()'s renumbering: the survivors become msg0000.. in order, no gaps.
async function compact(dir: string): Promise<void> {
  const last = await lastMessageIndex(dir);
  let dest = 0;
  for (let x = 0; x <= last; x++) {
    const names = await filesOf(dir, x);
    if (!names.includes(`${msgName(x)}.txt`)) {
      // Audio without its .txt is not a message (app_voicemail's EXISTS checks the .txt only).
      continue;
    }
    if (x !== dest) await moveMessage(dir, x, dir, dest);
    dest++;
  }
}

// The folder directory, created like create_dirpath() does, owned like the mailbox directory
// (Switchboard may run as root while Asterisk runs as asterisk and must keep writing there).
async function ensureFolder(mailbox: string, folder: Folder): Promise<string> {
  const dir = join(mailbox, folder);
  try {
    await mkdir(dir, { mode: 0o770 });
    const owner = await stat(mailbox);
    await chown(dir, owner.uid, owner.gid).catch(() => undefined);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return dir;
}

async function locate(spoolDir: string, mailbox: string, msgId: string, folders: readonly Folder[]) {
  for (const folder of folders) {
    const found = (await listFolder(spoolDir, mailbox, folder)).find((m) => m.msgId === msgId);
    if (found) return found;
  }
  return undefined;
}

export const READ_FOLDERS: readonly Folder[] = ['INBOX', 'Urgent', 'Old', 'Work', 'Family', 'Friends'];

export async function findMessage(
  spoolDir: string,
  mailbox: string,
  msgId: string,
): Promise<SpoolMessage | undefined> {
  return locate(spoolDir, mailbox, msgId, READ_FOLDERS);
}

// "Heard": a message in INBOX (or Urgent, which app_voicemail treats the same) goes to Old.
// A message already elsewhere is left alone (idempotent); a message that vanished is a 404.
export async function markHeard(spoolDir: string, mailbox: string, msgId: string): Promise<SpoolMessage> {
  const box = mailboxDir(spoolDir, mailbox);
  for (let attempt = 0; attempt < 3; attempt++) {
    const found = await findMessage(spoolDir, mailbox, msgId);
    if (!found) throw new NotFoundError(`message ${msgId}`);
    if (found.folder !== 'INBOX' && found.folder !== 'Urgent') return found;
    const fromDir = join(box, found.folder);
    const moved = await withLock(fromDir, async () => {
      // Re-read under the lock: the phone may have renumbered or moved it meanwhile.
      const now = (await listFolder(spoolDir, mailbox, found.folder)).find((m) => m.msgId === msgId);
      if (!now) return false;
      const oldDir = await ensureFolder(box, 'Old');
      await withLock(oldDir, async () => {
        const target = (await lastMessageIndex(oldDir)) + 1;
        await moveMessage(fromDir, now.index, oldDir, target);
      });
      await compact(fromDir);
      return true;
    });
    if (moved) {
      const after = await locate(spoolDir, mailbox, msgId, ['Old']);
      if (after) return after;
    }
  }
  throw new ConflictError(`message ${msgId} changed while it was being moved; reload and try again`);
}

// Delete (maxdeletedmsg=0, Asterisk's default: no "Deleted" folder): every file of the message
// goes, then its folder is renumbered.
export async function deleteMessage(spoolDir: string, mailbox: string, msgId: string): Promise<void> {
  const box = mailboxDir(spoolDir, mailbox);
  for (let attempt = 0; attempt < 3; attempt++) {
    const found = await findMessage(spoolDir, mailbox, msgId);
    if (!found) throw new NotFoundError(`message ${msgId}`);
    const dir = join(box, found.folder);
    const done = await withLock(dir, async () => {
      const now = (await listFolder(spoolDir, mailbox, found.folder)).find((m) => m.msgId === msgId);
      if (!now) return false;
      const names = await filesOf(dir, now.index);
      // vm_delete(): the .txt first, so the message stops existing before its audio goes.
      for (const name of [
        ...names.filter((n) => n.endsWith('.txt')),
        ...names.filter((n) => !n.endsWith('.txt')),
      ]) {
        await unlink(join(dir, name)).catch(ignoreMissing(undefined));
      }
      await compact(dir);
      return true;
    });
    if (done) return;
  }
  throw new ConflictError(`message ${msgId} changed while it was being deleted; reload and try again`);
}
