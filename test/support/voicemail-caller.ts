import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSipp, type SippRun, SUPPORT_SCENARIOS } from '../carrier/sipp';
import { testEnv } from './env';
import { phoneFor } from './sip';

// A caller who leaves a voicemail: speech made by espeak-ng, sent as RTP by a sipp extension.
// app_voicemail first plays "the person at extension ... is unavailable ... after the tone", so
// the audio starts with that much silence. For a four-digit box that prompt is 13.0 s of sound
// (vm-theperson 2.04 + four digits 3.60 + vm-isunavail 1.26 + vm-intro 5.66 + beep 0.44, read off
// the sound files with sox); 12 s cut the first second of speech on every call, and more when
// Asterisk started the prompt late on a loaded machine. 2 s of margin keep the sentence whole.

export const PROMPT_SECONDS = 15;

// espeak-ng → 8 kHz mono µ-law, what sipp's rtp_stream sends as PCMU.
export function spokenUlaw(text: string, opts: { voice?: string; wpm?: number; padSeconds?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'sb-speech-'));
  try {
    execFileSync('espeak-ng', [
      ...['-v', opts.voice ?? 'en-us', '-s', String(opts.wpm ?? 140)],
      ...['-w', join(dir, 'x.wav'), text],
    ]);
    execFileSync('sox', [
      join(dir, 'x.wav'),
      ...['-r', '8000', '-c', '1', '-t', 'ul', join(dir, 'x.ulaw')],
      ...(opts.padSeconds ? ['pad', '0', String(opts.padSeconds)] : []),
    ]);
    const ulaw = readFileSync(join(dir, 'x.ulaw'));
    return { ulaw, seconds: ulaw.length / 8000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Extension `from` calls `to`, which does not answer; after the prompts it says `speech`, then
// hangs up. Resolves with sipp's run (code 0: answered by voicemail, clean hangup).
export async function leaveMessage(opts: {
  from: { number: string; secret: string };
  to: string;
  speech: Buffer;
  promptSeconds?: number;
}): Promise<SippRun> {
  const silence = (seconds: number) => Buffer.alloc(Math.round(seconds * 8000), 0xff);
  const audio = Buffer.concat([silence(opts.promptSeconds ?? PROMPT_SECONDS), opts.speech, silence(1)]);
  const talkMs = Math.round((audio.length / 8000) * 1000) + 300;
  const phone = await phoneFor(opts.from.number, opts.from.secret);
  return runSipp({
    target: `127.0.0.1:${testEnv.sipPort}`,
    scenario: join(SUPPORT_SCENARIOS, 'call.xml'),
    localPort: phone.sipPort,
    mediaPort: phone.mediaPort,
    files: { 'tone.ulaw': audio },
    args: [
      ...['-m', '1', '-s', opts.to, '-key', 'caller', opts.from.number],
      ...['-au', opts.from.number, '-ap', opts.from.secret, '-d', String(talkMs), '-aa'],
    ],
    timeoutMs: talkMs + 40_000,
  });
}
