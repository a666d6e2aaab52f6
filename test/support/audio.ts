import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// Sound files for the tests, made with the same tools the product uses (espeak-ng, sox).

// Spoken text as an mp3 (espeak-ng, then sox), made in `dir` as <name>.wav and <name>.mp3.
export function speechMp3(dir: string, text: string, name: string): Buffer {
  const wav = join(dir, `${name}.wav`);
  execFileSync('espeak-ng', ['-w', wav, text]);
  const mp3 = join(dir, `${name}.mp3`);
  execFileSync('sox', [wav, mp3]);
  return readFileSync(mp3);
}

// What soxi says of a sound file.
export function soxi(file: string): {
  type: string;
  rate: number;
  channels: number;
  bits: number;
  seconds: number;
} {
  const q = (flag: string) => execFileSync('soxi', [flag, file]).toString().trim();
  return {
    type: q('-t'),
    rate: Number(q('-r')),
    channels: Number(q('-c')),
    bits: Number(q('-b')),
    seconds: Number(q('-D')),
  };
}
