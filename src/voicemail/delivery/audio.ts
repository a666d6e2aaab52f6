import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SpoolMessage } from '../spool';
import type { Attachment } from './mailer';

const run = promisify(execFile);

// How sox reads each format app_voicemail may record (voicemail.conf format=): headerless ones
// need their encoding spelled out. Listed best-quality first.
const SOX_INPUT: Record<string, string[]> = {
  wav: ['-t', 'wav'],
  WAV: ['-t', 'wav'], // wav49: GSM 6.10 in a WAV container
  sln: ['-t', 's16', '-r', '8000', '-c', '1'],
  ulaw: ['-t', 'ul', '-r', '8000', '-c', '1'],
  alaw: ['-t', 'al', '-r', '8000', '-c', '1'],
  gsm: ['-t', 'gsm', '-r', '8000', '-c', '1'],
};

let mp3Support: Promise<boolean> | undefined;

// mp3 needs libsox-fmt-mp3; without it the attachment is a wav (bigger, but every client plays it).
export function soxCanWriteMp3(): Promise<boolean> {
  mp3Support ??= run('sox', ['-h'])
    .then(({ stdout }) => /AUDIO FILE FORMATS:.*\bmp3\b/.test(stdout))
    .catch(() => false);
  return mp3Support;
}

export async function audioAttachment(message: SpoolMessage): Promise<Attachment | null> {
  const format = Object.keys(SOX_INPUT).find((f) => message.formats.includes(f));
  if (!format) return null;
  const source = `${message.base}.${format}`;
  const name = `voicemail-${message.mailbox}-${message.receivedAt.toISOString().slice(0, 19).replace(/[-:T]/g, '')}`;
  const dir = await mkdtemp(join(tmpdir(), 'sb-vm-'));
  try {
    const input = SOX_INPUT[format] ?? [];
    if (await soxCanWriteMp3()) {
      const out = join(dir, 'out.mp3');
      await run('sox', [...input, source, '-C', '32', out], { timeout: 60_000 });
      return { filename: `${name}.mp3`, contentType: 'audio/mpeg', content: await readFile(out) };
    }
    if (format === 'wav')
      return { filename: `${name}.wav`, contentType: 'audio/wav', content: await readFile(source) };
    const out = join(dir, 'out.wav');
    await run('sox', [...input, source, '-e', 'signed-integer', '-b', '16', out], { timeout: 60_000 });
    return { filename: `${name}.wav`, contentType: 'audio/wav', content: await readFile(out) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
