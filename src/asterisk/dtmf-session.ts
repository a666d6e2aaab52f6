import type { Ari } from './ari';

// One caller in Stasis answering prompts with keys: the keys they press (RFC 2833, buffered from
// the moment the call arrives, so they may type ahead of a prompt) and the prompts played to them.
// The owner feeds it the channel's events (key, playbackFinished, end).

export class CallEnded extends Error {}

export interface DtmfTiming {
  firstDigitMs: number;
  interDigitMs: number;
}

export interface DtmfOptions {
  timing: DtmfTiming;
  // An entry ends at #, after a pause, or at this many digits.
  maxDigits: number;
  // Whether the keys already typed answer the next question, so its prompt is skipped.
  answeredAhead: (digits: string) => boolean;
  // Playback ids are `<prefix>-<pid>-<n>`.
  playbackPrefix: string;
}

let playbackSeq = 0;

export class DtmfSession {
  digits = '';
  ended = false;
  private prompt: string | null = null; // a playback that the first key press may cut short
  private readonly onChange = new Set<() => void>();
  // This session's playbacks being waited for, and those of them Asterisk has finished.
  private readonly pending = new Set<string>();
  private readonly finished = new Set<string>();

  constructor(
    private readonly ari: Ari,
    readonly channelId: string,
    private readonly options: DtmfOptions,
  ) {}

  key(digit: string): void {
    this.digits += digit;
    if (this.prompt) {
      const prompt = this.prompt;
      this.prompt = null;
      void this.ari.stopPlayback(prompt).catch(() => undefined);
    }
    this.changed();
  }

  playbackFinished(id: string): void {
    if (!this.pending.has(id)) return;
    this.finished.add(id);
    this.changed();
  }

  end(): void {
    this.ended = true;
    this.changed();
  }

  private changed(): void {
    for (const fn of [...this.onChange]) fn();
  }

  // One entry from the keys pressed: up to #, maxDigits digits, or a pause. What follows stays
  // in the buffer for the next question.
  collect(): Promise<string> {
    const { timing, maxDigits } = this.options;
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (value: string | null) => {
        clearTimeout(timer);
        this.onChange.delete(check);
        if (value === null) reject(new CallEnded());
        else resolve(value.replace(/[^0-9]/g, ''));
      };
      const take = (end: number, skip: number) => {
        const entry = this.digits.slice(0, end);
        this.digits = this.digits.slice(end + skip);
        done(entry);
      };
      const check = () => {
        if (this.ended) return done(null);
        const hashAt = this.digits.indexOf('#');
        if (hashAt >= 0) return take(hashAt, 1);
        if (this.digits.length >= maxDigits) return take(maxDigits, 0);
        clearTimeout(timer);
        const wait = this.digits === '' ? timing.firstDigitMs : timing.interDigitMs;
        timer = setTimeout(() => take(this.digits.length, 0), wait);
      };
      this.onChange.add(check);
      check();
    });
  }

  // Plays the media one after the other; a question (cutShort) stops at the first key, and is
  // skipped when the caller already typed an answer ahead.
  async play(media: string[], cutShort = false): Promise<void> {
    if (this.ended) throw new CallEnded();
    if (cutShort && this.options.answeredAhead(this.digits)) return;
    const id = `${this.options.playbackPrefix}-${process.pid}-${++playbackSeq}`;
    if (cutShort) this.prompt = id;
    this.pending.add(id);
    try {
      await this.ari.play(this.channelId, id, media);
    } catch (err) {
      this.pending.delete(id);
      throw this.ended ? new CallEnded() : err;
    }
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => finish(), 60_000);
      const finish = (ended = false) => {
        clearTimeout(deadline);
        this.onChange.delete(check);
        this.pending.delete(id);
        this.finished.delete(id);
        if (this.prompt === id) this.prompt = null;
        if (ended) reject(new CallEnded());
        else resolve();
      };
      const check = () => {
        if (this.ended) finish(true);
        else if (this.finished.has(id) || (cutShort && this.prompt !== id)) finish();
      };
      this.onChange.add(check);
      check();
    });
  }

  async hangUp(): Promise<void> {
    await this.ari.hangup(this.channelId).catch(() => undefined);
  }
}
