import type { Ari } from '../../asterisk/ari';

// One caller in Stasis being offered a callback: the keys they press (RFC 2833, buffered from the
// moment the call arrives, so they may type ahead of a prompt) and the prompts played to them.

export class CallEnded extends Error {}

export interface OfferTiming {
  firstDigitMs: number;
  interDigitMs: number;
}

let playbackSeq = 0;

export class OfferSession {
  digits = '';
  ended = false;
  private prompt: string | null = null;
  private readonly onChange = new Set<() => void>();
  private readonly finished = new Set<string>();

  constructor(
    private readonly ari: Ari,
    readonly channelId: string,
    private readonly timing: OfferTiming,
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

  // Keys up to # (or a pause, or 20 digits). What follows stays buffered for the next question.
  collect(): Promise<string> {
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
        if (this.digits.length >= 20) return take(20, 0);
        clearTimeout(timer);
        const wait = this.digits === '' ? this.timing.firstDigitMs : this.timing.interDigitMs;
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
    if (cutShort && this.digits !== '') return;
    const id = `sb-callback-${process.pid}-${++playbackSeq}`;
    if (cutShort) this.prompt = id;
    try {
      await this.ari.play(this.channelId, id, media);
    } catch (err) {
      throw this.ended ? new CallEnded() : err;
    }
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => finish(), 60_000);
      const finish = (ended = false) => {
        clearTimeout(deadline);
        this.onChange.delete(check);
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
