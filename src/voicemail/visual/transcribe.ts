import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import type { SpoolMessage } from '../spool';

// Offline transcription with CMU PocketSphinx (Debian packages pocketsphinx + pocketsphinx-en-us,
// the only speech recogniser Debian ships with a model). Its acoustic model is trained on 16 kHz
// speech; voicemail is 8 kHz telephone audio, so we upsample (the missing upper band costs some
// accuracy, measured in transcribe.test.ts). Digital silence (exactly-zero samples, which the
// codec/espeak produce) breaks pocketsphinx's noise and silence estimation and turned whole
// sentences into "you what are you"; mixing in a faint white-noise floor (-40 dBFS) fixed that; measured on espeak speech, -40 dBFS
// gave a mean WER of 0.61 against 0.76 at -46 dBFS and 0.85 at -50 dBFS.

export const ENGINE = 'pocketsphinx-en-us';
const MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
export const TABLE = 'voicemail_transcriptions';
// What the recogniser reads: 16 kHz, mono, 16-bit; the speech and the noise under it alike.
const SPEECH_FORMAT = ['-r', '16000', '-c', '1', '-b', '16'];

export interface TranscribeOptions {
  timeoutMs?: number;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const killed = (err as { killed?: boolean }).killed;
        reject(
          new Error(
            `${cmd} ${killed ? 'timed out' : 'failed'}: ${String(stderr).slice(-300) || err.message}`,
          ),
        );
      } else resolve(String(stdout));
    });
  });
}

// Any audio sox reads (wav, WAV/gsm, gsm, ulaw…) → the text pocketsphinx hears, lower-case words.
export async function transcribeFile(audioPath: string, opts: TranscribeOptions = {}): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const work = await mkdtemp(join(tmpdir(), 'sb-stt-'));
  try {
    const speech = join(work, 'speech.wav');
    const noise = join(work, 'noise.wav');
    const input = join(work, 'input.wav');
    await run(
      'sox',
      ['-R', audioPath, ...SPEECH_FORMAT, '-e', 'signed-integer', speech, 'pad', '0.3', '0.3'],
      timeoutMs,
    );
    const seconds = (await run('soxi', ['-D', speech], timeoutMs)).trim();
    // -R: sox's fixed random seed, so the same message always gives the same text.
    await run(
      'sox',
      ['-R', '-n', ...SPEECH_FORMAT, noise, 'synth', seconds, 'whitenoise', 'vol', '0.01'],
      timeoutMs,
    );
    await run('sox', ['-R', '-m', speech, noise, input], timeoutMs);
    const out = await run(
      'pocketsphinx_continuous',
      [
        '-infile',
        input,
        '-hmm',
        join(MODEL_DIR, 'en-us'),
        '-lm',
        join(MODEL_DIR, 'en-us.lm.bin'),
        '-dict',
        join(MODEL_DIR, 'cmudict-en-us.dict'),
        '-logfn',
        '/dev/null',
      ],
      timeoutMs,
    );
    // One line per utterance it detected.
    return out
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '')
      .join(' ');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9' ]+/g, ' ')
    .split(/\s+/)
    .filter((w) => w !== '');
}

// Word error rate: word-level Levenshtein distance (substitutions + deletions + insertions)
// divided by the number of reference words. Can exceed 1 when the hypothesis rambles.
export function wordErrorRate(reference: string, hypothesis: string): number {
  const ref = words(reference);
  const hyp = words(hypothesis);
  if (ref.length === 0) return hyp.length === 0 ? 0 : 1;
  let prev = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const cur = [i];
    for (let j = 1; j <= hyp.length; j++) {
      const sub = (prev[j - 1] ?? 0) + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
      cur.push(Math.min(sub, (prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1));
    }
    prev = cur;
  }
  return (prev[hyp.length] ?? 0) / ref.length;
}

// The audio file to feed the recogniser: wav (8 kHz slin) first, then whatever sox can read.
export function audioPathOf(message: Pick<SpoolMessage, 'base' | 'formats'>): string | null {
  const order = ['wav', 'WAV', 'gsm', 'ulaw', 'alaw', 'sln'];
  const format = order.find((f) => message.formats.includes(f));
  return format ? `${message.base}.${format}` : null;
}

export type TranscribeMessage = (message: SpoolMessage) => Promise<string | null>;

export interface Transcriber {
  // Transcribes (or returns the cached text of) a message; null when it has no audio we can read.
  transcribeMessage: TranscribeMessage;
  // Cached texts only (no work): for listing many messages at once.
  cached(msgIds: readonly string[]): Promise<Map<string, string>>;
  // Resolves once no transcription is running or queued: shutdown waits for it.
  idle(): Promise<void>;
}

// Transcriptions are cached per msg_id (stable across folder moves and renumbering), so a
// message is recognised once whoever asks first: the delivery job or the web UI. Concurrent
// requests for the same message share one run; runs are serialised (2-core machines).
export function createTranscriber(db: Knex, opts: TranscribeOptions = {}): Transcriber {
  const inflight = new Map<string, Promise<string | null>>();
  let queue: Promise<unknown> = Promise.resolve();

  const cached = async (msgIds: readonly string[]): Promise<Map<string, string>> => {
    if (msgIds.length === 0) return new Map();
    const rows = (await db(TABLE)
      .whereIn('msg_id', [...msgIds])
      .select('msg_id', 'text')) as Array<{
      msg_id: string;
      text: string;
    }>;
    return new Map(rows.map((r) => [r.msg_id, r.text]));
  };

  const work = async (message: SpoolMessage): Promise<string | null> => {
    const hit = (await cached([message.msgId])).get(message.msgId);
    if (hit !== undefined) return hit;
    const path = audioPathOf(message);
    if (!path) return null;
    const started = Date.now();
    const text = await transcribeFile(path, opts);
    await db(TABLE)
      .insert({ msg_id: message.msgId, text, engine: ENGINE, duration_ms: Date.now() - started })
      .onConflict('msg_id')
      .ignore();
    return text;
  };

  const transcribeMessage: TranscribeMessage = (message) => {
    const running = inflight.get(message.msgId);
    if (running) return running;
    const job = queue.then(() => work(message));
    queue = job.catch(() => undefined);
    const tracked = job.finally(() => inflight.delete(message.msgId));
    inflight.set(message.msgId, tracked);
    return tracked;
  };

  const idle = async (): Promise<void> => {
    while (inflight.size > 0) await queue;
  };

  return { transcribeMessage, cached, idle };
}
