import { execFile } from 'node:child_process';
import { open, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ValidationError } from '../http/errors';
import { MAX_GREETING_SECONDS } from './schema';

// Audio tools run as argument vectors (never through a shell) with a deadline: what a user
// uploads or types is data to sox/espeak-ng, never a command line.

const TOOL_TIMEOUT_MS = 60_000;

export class AudioToolError extends Error {}

export function runTool(cmd: string, args: readonly string[], timeoutMs = TOOL_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      {
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 1024 * 1024,
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_ALL: 'C' },
      },
      (err, stdout, stderr) => {
        if (err)
          reject(new AudioToolError(`${cmd} failed: ${String(stderr).trim().slice(0, 300) || err.message}`));
        else resolve(String(stdout));
      },
    );
  });
}

export type AudioType = 'wav' | 'mp3' | 'ogg' | 'flac';

// Decided by the bytes, never by the file name or the client's content type.
export function sniffAudio(head: Uint8Array): AudioType | null {
  const ascii = (from: number, to: number) => Buffer.from(head.subarray(from, to)).toString('latin1');
  if (head.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WAVE') return 'wav';
  if (head.length >= 4 && ascii(0, 4) === 'OggS') return 'ogg';
  if (head.length >= 4 && ascii(0, 4) === 'fLaC') return 'flac';
  if (head.length >= 3 && ascii(0, 3) === 'ID3') return 'mp3';
  // A bare MPEG audio frame: 11 sync bits, then a layer that is not "reserved".
  const b0 = head[0] ?? 0;
  const b1 = head[1] ?? 0;
  if (b0 === 0xff && (b1 & 0xe0) === 0xe0 && (b1 & 0x06) !== 0) return 'mp3';
  return null;
}

export interface Converted {
  wav: string; // 8 kHz 16-bit mono: what narrowband channels play without transcoding loss
  sln16: string; // 16 kHz signed linear: picked by Asterisk for wideband channels
  durationMs: number;
  bytes: number;
}

const notAudio = (why: string) => new ValidationError([{ path: 'file', message: why }], 'not audio');

// `input` must be named with its sniffed type's extension (soxi has no -t option).
// Checks that sox can read the file as that type, then writes both target formats
// (mono, normalised to -3 dBFS, at most MAX_GREETING_SECONDS) into `dir`.
export async function convert(input: string, type: AudioType, dir: string): Promise<Converted> {
  let seconds: number;
  try {
    seconds = Number((await runTool('sox', ['--i', '-D', input])).trim());
  } catch {
    throw notAudio('the file is not audio that can be read (wav, mp3, ogg or flac)');
  }
  if (!Number.isFinite(seconds) || seconds <= 0) throw notAudio('the audio is empty');
  const wav = join(dir, 'out.wav');
  const sln16 = join(dir, 'out.sln16');
  const effects = (rate: number) => [
    ...['trim', '0', String(MAX_GREETING_SECONDS)],
    ...['remix', '-'],
    ...['rate', String(rate)],
    ...['norm', '-3'],
  ];
  const encoding = ['-e', 'signed-integer', '-b', '16', '-c', '1'];
  try {
    await runTool('sox', [
      '-q',
      '-t',
      type,
      input,
      '-t',
      'wav',
      ...encoding,
      '-r',
      '8000',
      wav,
      ...effects(8000),
    ]);
    await runTool('sox', [
      ...['-q', '-t', type, input],
      ...['-t', 'raw', ...encoding, '-r', '16000', '-L', sln16],
      ...effects(16000),
    ]);
  } catch {
    throw notAudio('the audio could not be converted');
  }
  const outSeconds = Number((await runTool('sox', ['--i', '-D', wav])).trim());
  const bytes = (await stat(wav)).size;
  if (!Number.isFinite(outSeconds) || outSeconds <= 0) throw notAudio('the audio is empty');
  return { wav, sln16, durationMs: Math.round(outSeconds * 1000), bytes };
}

// The first bytes of a file, for sniffAudio.
export async function readHead(path: string, length = 16): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

// ---- text to speech (espeak-ng)

let voiceList: Promise<ReadonlySet<string>> | null = null;

export function espeakVoices(): Promise<ReadonlySet<string>> {
  voiceList ??= runTool('espeak-ng', ['--voices'])
    .then((out) => {
      const names = out
        .split('\n')
        .slice(1)
        .map((line) => line.trim().split(/\s+/)[1])
        .filter((v): v is string => typeof v === 'string' && v.length > 0);
      return new Set(names);
    })
    .catch((err: unknown) => {
      voiceList = null;
      throw err;
    });
  return voiceList;
}

// The voice for a language when none is named: en_GB → en-gb, fr → fr-fr, en → en-us.
export function defaultVoice(language: string, voices: ReadonlySet<string>): string | null {
  const full = language.toLowerCase().replace('_', '-');
  const base = language.slice(0, 2);
  const candidates = [full, base, `${base}-${base}`, base === 'en' ? 'en-us' : ''];
  const found = candidates.find((c) => c && voices.has(c));
  return found ?? [...voices].sort().find((v) => v.startsWith(`${base}-`)) ?? null;
}

// Speaks `text` into dir/tts.wav. The text goes through a file (-f), so it can never be read
// as an option, and espeak-ng is not asked to interpret markup (-m is not given).
export async function synthesize(text: string, voice: string, dir: string): Promise<string> {
  const textFile = join(dir, 'tts.txt');
  const out = join(dir, 'tts.wav');
  await writeFile(textFile, text, { encoding: 'utf8', mode: 0o600 });
  await runTool('espeak-ng', ['-v', voice, '-w', out, '-f', textFile]);
  return out;
}
