import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runTool, sniffAudio } from '../greetings';
import { ValidationError } from '../http/errors';
import { MAX_TRACK_SECONDS } from './schema';

export type MohAudioType = 'wav' | 'mp3' | 'ogg' | 'flac' | 'gsm';

const GSM_FRAME = 33;

// Decided by the bytes, never by the file name or the client's content type. Raw GSM 06.10 (the
// .gsm files Asterisk itself ships) has no header: every 33-byte frame starts with the 0xD magic
// nibble, so a whole file of such frames is taken as GSM and sox has the final word.
export function sniffMohAudio(data: Uint8Array): MohAudioType | null {
  const known = sniffAudio(data.subarray(0, 16));
  if (known) return known;
  if (data.length < GSM_FRAME || data.length % GSM_FRAME !== 0) return null;
  for (let at = 0; at < data.length; at += GSM_FRAME) {
    if (((data[at] ?? 0) & 0xf0) !== 0xd0) return null;
  }
  return 'gsm';
}

export interface ConvertedTrack {
  wav: string;
  durationMs: number;
  bytes: number;
}

const notAudio = (why: string) => new ValidationError([{ path: 'file', message: why }], 'not audio');

// Writes `data` into the scratch `dir`, checks that sox reads it as its sniffed type and converts
// it to what every narrowband channel plays without transcoding: 8 kHz 16-bit mono wav, cut at
// MAX_TRACK_SECONDS, normalised a little below speech so music stays in the background.
export async function convertTrack(data: Buffer, dir: string): Promise<ConvertedTrack> {
  const type = sniffMohAudio(data);
  if (!type) throw notAudio('not a wav, mp3, ogg, flac or gsm file');
  const input = join(dir, `input.${type}`);
  await writeFile(input, data, { mode: 0o600 });
  let seconds: number;
  try {
    seconds = Number((await runTool('sox', ['--i', '-D', input])).trim());
  } catch {
    throw notAudio(`the file looks like ${type} but cannot be read as audio`);
  }
  // NOTE: soxi reports 0 s for headerless GSM; its length is checked on the converted file.
  if (!Number.isFinite(seconds) || (seconds <= 0 && type !== 'gsm')) throw notAudio('the audio is empty');
  const wav = join(dir, 'out.wav');
  try {
    await runTool('sox', [
      ...['-q', '-t', type, input],
      ...['-t', 'wav', '-e', 'signed-integer', '-b', '16', '-c', '1', '-r', '8000', wav],
      ...['trim', '0', String(MAX_TRACK_SECONDS)],
      ...['remix', '-'],
      ...['rate', '8000'],
      ...['norm', '-6'],
    ]);
  } catch {
    throw notAudio(`the ${type} audio could not be converted (damaged file?)`);
  }
  const outSeconds = Number((await runTool('sox', ['--i', '-D', wav])).trim());
  if (!Number.isFinite(outSeconds) || outSeconds <= 0) throw notAudio('the audio is empty');
  return { wav, durationMs: Math.round(outSeconds * 1000), bytes: (await stat(wav)).size };
}
