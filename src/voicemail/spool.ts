import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

// Asterisk's voicemail spool, read as app_voicemail writes it (file storage):
//   <spool>/voicemail/<context>/<mailbox>/<folder>/msgNNNN.txt  (an ini file: [message] ...)
//   <spool>/voicemail/<context>/<mailbox>/<folder>/msgNNNN.<format>  (wav, WAV, gsm ...)
// Every Switchboard mailbox lives in one voicemail context, named here. msg_id (Asterisk 11+) is
// the message's identity across folder moves and renumbering; delivery and transcription key on it.

export const VOICEMAIL_CONTEXT = 'switchboard';
export const FOLDERS = ['INBOX', 'Old', 'Urgent', 'Work', 'Family', 'Friends'] as const;
export type Folder = (typeof FOLDERS)[number];

export interface SpoolMessage {
  mailbox: string;
  folder: Folder;
  index: number; // NNNN in msgNNNN
  msgId: string;
  callerId: string; // as Asterisk wrote it: "Name" <number>
  callerName: string;
  callerNumber: string;
  receivedAt: Date;
  durationSeconds: number;
  // Path without extension; the audio files are <base>.<format>.
  base: string;
  formats: string[];
}

export function mailboxDir(spoolDir: string, mailbox: string): string {
  if (!/^[0-9]{1,20}$/.test(mailbox)) throw new Error(`not a mailbox number: ${mailbox}`);
  return join(spoolDir, 'voicemail', VOICEMAIL_CONTEXT, mailbox);
}

// The [message] section of msgNNNN.txt as key → value.
export function parseMessageInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  let inMessage = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith(';')) continue;
    if (line.startsWith('[')) {
      inMessage = line === '[message]';
      continue;
    }
    const eq = line.indexOf('=');
    if (inMessage && eq > 0) fields[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return fields;
}

// "Alice" <0470123456>  → { name: 'Alice', number: '0470123456' }; a bare number has no name.
export function splitCallerId(callerId: string): { name: string; number: string } {
  const m = /^\s*(?:"([^"]*)"\s*)?<([^>]*)>\s*$/.exec(callerId);
  if (m) return { name: m[1] ?? '', number: m[2] ?? '' };
  return { name: '', number: callerId.trim() };
}

export async function listFolder(spoolDir: string, mailbox: string, folder: Folder): Promise<SpoolMessage[]> {
  const dir = join(mailboxDir(spoolDir, mailbox), folder);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const messages: SpoolMessage[] = [];
  for (const name of names) {
    const m = /^msg([0-9]{4})\.txt$/.exec(name);
    if (!m) continue;
    const base = join(dir, `msg${m[1]}`);
    let info: Record<string, string>;
    try {
      info = parseMessageInfo(await readFile(`${base}.txt`, 'utf8'));
    } catch (err) {
      // Moved or deleted while we looked (the phone is in the mailbox): not there any more.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    const formats = names
      .filter((n) => n.startsWith(`msg${m[1]}.`) && !n.endsWith('.txt'))
      .map((n) => n.slice(`msg${m[1]}.`.length));
    const caller = splitCallerId(info['callerid'] ?? '');
    messages.push({
      mailbox,
      folder,
      index: Number(m[1]),
      msgId: info['msg_id'] ?? `${info['origtime'] ?? '0'}-${mailbox}-${folder}-${m[1]}`,
      callerId: info['callerid'] ?? '',
      callerName: caller.name,
      callerNumber: caller.number,
      receivedAt: new Date(Number(info['origtime'] ?? 0) * 1000),
      durationSeconds: Number(info['duration'] ?? 0),
      base,
      formats,
    });
  }
  return messages.sort((a, b) => a.index - b.index);
}

export async function listMailbox(spoolDir: string, mailbox: string): Promise<SpoolMessage[]> {
  const all: SpoolMessage[] = [];
  for (const folder of FOLDERS) all.push(...(await listFolder(spoolDir, mailbox, folder)));
  return all;
}

// Mailboxes that have a spool directory (created by Asterisk on first message or by Switchboard).
export async function listMailboxes(spoolDir: string): Promise<string[]> {
  try {
    const names = await readdir(join(spoolDir, 'voicemail', VOICEMAIL_CONTEXT));
    const boxes: string[] = [];
    for (const n of names) {
      if (
        /^[0-9]{1,20}$/.test(n) &&
        (await stat(join(spoolDir, 'voicemail', VOICEMAIL_CONTEXT, n))).isDirectory()
      )
        boxes.push(n);
    }
    return boxes.sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
