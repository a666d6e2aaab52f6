import argon2 from 'argon2';
import type { Ari } from '../asterisk/ari';
import type { Logger } from '../lib/log';

// Feature codes dialled from a phone (*28<id>, *99): the dialplan hands the call to the Stasis
// app with `feature,<action>,<calling endpoint>[,<param>]`; here it is answered, asked for its
// PIN (RFC 2833 digits, ended by # or by a pause), checked against the stored argon2 hash, and
// the action runs. The PIN never reaches the dialplan or a log.

export const FEATURE_ARG = 'feature';

export interface FeatureAction {
  // The hash guarding this code, or null when it cannot be used (no such object, no PIN set).
  pinHash(param: string): Promise<string | null>;
  // Acts for the calling extension; returns the sounds that confirm what happened, or where in
  // the dialplan the call goes on (it then leaves Stasis instead of being hung up).
  perform(param: string, extension: string): Promise<string[] | DialplanTarget>;
  // A lockout the action keeps itself (e.g. per voicemail box, in the database, whoever calls),
  // instead of the default one per code, object and calling extension.
  guard?: PinGuard;
}

export interface DialplanTarget {
  context: string;
  extension: string;
}

export interface PinGuard {
  locked(param: string): Promise<boolean>;
  // Counts one wrong PIN; true when that locked it.
  failed(param: string): Promise<boolean>;
  passed(param: string): Promise<void>;
}

export interface FeatureTiming {
  firstDigitMs: number;
  interDigitMs: number;
}

const MAX_ATTEMPTS = 3;
const MAX_PIN_DIGITS = 10;
// Across calls: this many wrong PINs for one code and object from one calling extension within
// the window locks that extension out of it for the window (other phones keep it).
const LOCKOUT_FAILURES = 10;
const LOCKOUT_WINDOW_MS = 15 * 60 * 1000;

const SOUND = {
  enterPin: 'sound:agent-pass',
  thanks: 'sound:auth-thankyou',
  wrong: 'sound:auth-incorrect',
  unavailable: 'sound:feature-not-avail-line',
  goodbye: 'sound:vm-goodbye',
} as const;

class CallEnded extends Error {}

interface Session {
  channelId: string;
  digits: string;
  ended: boolean;
  handedOff: boolean; // continued into the dialplan: not ours to hang up
  prompt: string | null; // a playback that the first key press may cut short
  onChange: Set<() => void>;
}

interface StasisEvent {
  args?: string[];
  channel?: { id?: string };
  digit?: string;
  playback?: { id?: string; target_uri?: string };
}

let playbackSeq = 0;

export class FeatureCodes {
  private readonly sessions = new Map<string, Session>();
  private readonly lockouts = new PhoneLockouts();
  // Playbacks being waited for, and those of them Asterisk has finished.
  private readonly pendingPlaybacks = new Set<string>();
  private readonly finishedPlaybacks = new Set<string>();
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly ari: Ari,
    private readonly log: Logger,
    private readonly actions: Readonly<Record<string, FeatureAction>>,
    private readonly timing: FeatureTiming = { firstDigitMs: 10_000, interDigitMs: 4_000 },
  ) {}

  start(): void {
    this.unsubscribe ??= this.ari.onEvent((name, data) => this.onEvent(name, data as StasisEvent));
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    const open = [...this.sessions.values()];
    for (const s of open) this.end(s);
    await Promise.all(open.map((s) => this.hangUp(s)));
  }

  private onEvent(name: string, e: StasisEvent): void {
    const channelId = e.channel?.id;
    if (name === 'StasisStart') {
      const [kind, action, extension, param] = e.args ?? [];
      // The Stasis app is shared (greetings by phone use it too): only feature calls are ours.
      if (kind !== FEATURE_ARG || !channelId) return;
      const session: Session = {
        channelId,
        digits: '',
        ended: false,
        handedOff: false,
        prompt: null,
        onChange: new Set(),
      };
      this.sessions.set(channelId, session);
      void this.run(session, action ?? '', extension ?? '', param ?? '')
        .catch((err: unknown) => {
          if (!(err instanceof CallEnded)) this.log.error({ err, action }, 'feature code failed');
        })
        .finally(() => {
          this.sessions.delete(channelId);
          if (!session.handedOff) void this.hangUp(session);
        });
      return;
    }
    if (name === 'PlaybackFinished' && e.playback?.id && this.pendingPlaybacks.has(e.playback.id)) {
      this.finishedPlaybacks.add(e.playback.id);
      for (const s of this.sessions.values()) this.changed(s);
      return;
    }
    const session = channelId ? this.sessions.get(channelId) : undefined;
    if (!session) return;
    if (name === 'ChannelDtmfReceived' && e.digit) {
      session.digits += e.digit;
      if (session.prompt) {
        const prompt = session.prompt;
        session.prompt = null;
        void this.ari.stopPlayback(prompt).catch(() => undefined);
      }
      this.changed(session);
    } else if (name === 'StasisEnd' || name === 'ChannelDestroyed') {
      this.end(session);
    }
  }

  private changed(s: Session): void {
    for (const fn of [...s.onChange]) fn();
  }

  private end(s: Session): void {
    s.ended = true;
    this.changed(s);
  }

  private async run(s: Session, actionName: string, extension: string, param: string): Promise<void> {
    await this.ari.answer(s.channelId);
    const action = this.actions[actionName];
    const guard = action?.guard ?? this.lockouts.guard(actionName, param, extension);
    const hash = action && /^[0-9]{1,20}$/.test(extension) ? await action.pinHash(param) : null;
    if (!action || !hash || (await guard.locked(param))) {
      this.log.warn({ action: actionName, param, extension }, 'feature code refused');
      await this.play(s, [SOUND.unavailable]);
      return;
    }
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      await this.play(s, [SOUND.enterPin], true);
      const pin = await this.collect(s);
      // Nothing keyed (a pause, or # alone): the caller gave up, which is no guess to count.
      if (pin === '') break;
      if (await argon2.verify(hash, pin).catch(() => false)) {
        await guard.passed(param);
        let confirm: string[];
        try {
          const done = await action.perform(param, extension);
          this.log.info({ action: actionName, param, extension }, 'feature code used');
          if (!Array.isArray(done)) {
            if (s.ended) throw new CallEnded();
            s.handedOff = true;
            await this.ari.continueInDialplan(s.channelId, done.context, done.extension);
            return;
          }
          confirm = [SOUND.thanks, ...done];
        } catch (err) {
          if (err instanceof CallEnded) throw err;
          s.handedOff = false;
          // e.g. emergency mode without a greeting yet: nothing changed, and the caller hears so.
          this.log.warn({ err, action: actionName, param, extension }, 'feature code could not act');
          confirm = [SOUND.unavailable];
        }
        await this.play(s, confirm);
        return;
      }
      const nowLocked = await guard.failed(param);
      this.log.warn(
        { action: actionName, param, extension, attempt, locked: nowLocked },
        'feature code: wrong PIN',
      );
      await this.play(s, [SOUND.wrong]);
      if (nowLocked) break;
    }
    await this.play(s, [SOUND.goodbye]);
  }

  // One PIN from the keys pressed: up to #, MAX_PIN_DIGITS digits, or a pause. What follows
  // stays in the buffer for the next attempt, so a caller may type ahead of the prompts.
  private collect(s: Session): Promise<string> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (value: string | null) => {
        clearTimeout(timer);
        s.onChange.delete(check);
        if (value === null) reject(new CallEnded());
        else resolve(value.replace(/[^0-9]/g, ''));
      };
      const take = (end: number, skip: number) => {
        const pin = s.digits.slice(0, end);
        s.digits = s.digits.slice(end + skip);
        done(pin);
      };
      const arm = () => {
        clearTimeout(timer);
        const wait = s.digits === '' ? this.timing.firstDigitMs : this.timing.interDigitMs;
        timer = setTimeout(() => take(s.digits.length, 0), wait);
      };
      const check = () => {
        if (s.ended) return done(null);
        const hashAt = s.digits.indexOf('#');
        if (hashAt >= 0) return take(hashAt, 1);
        if (s.digits.length >= MAX_PIN_DIGITS) return take(MAX_PIN_DIGITS, 0);
        arm();
      };
      s.onChange.add(check);
      check();
    });
  }

  private async play(s: Session, media: string[], cutShortByDigits = false): Promise<void> {
    if (s.ended) throw new CallEnded();
    // A prompt the caller has already answered (typed ahead to #) is not played again.
    if (cutShortByDigits && s.digits.includes('#')) return;
    const id = `sb-feature-${process.pid}-${++playbackSeq}`;
    if (cutShortByDigits) s.prompt = id;
    this.pendingPlaybacks.add(id);
    try {
      await this.ari.play(s.channelId, id, media);
    } catch (err) {
      this.pendingPlaybacks.delete(id);
      throw s.ended ? new CallEnded() : err;
    }
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => finish(), 60_000);
      const finish = (ended = false) => {
        clearTimeout(deadline);
        s.onChange.delete(check);
        this.pendingPlaybacks.delete(id);
        this.finishedPlaybacks.delete(id);
        if (s.prompt === id) s.prompt = null;
        if (ended) reject(new CallEnded());
        else resolve();
      };
      const check = () => {
        if (s.ended) finish(true);
        else if (this.finishedPlaybacks.has(id) || (cutShortByDigits && s.prompt !== id)) finish();
      };
      s.onChange.add(check);
      check();
    });
  }

  private async hangUp(s: Session): Promise<void> {
    await this.ari.hangup(s.channelId).catch(() => undefined);
  }
}

// The default lockout, in memory: wrong PINs per code, object and calling extension. Keyed by the
// extension so that one phone keying wrong PINs locks itself out, not every other phone.
export class PhoneLockouts {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly maxFailures = LOCKOUT_FAILURES,
    private readonly windowMs = LOCKOUT_WINDOW_MS,
  ) {}

  guard(action: string, param: string, extension: string): PinGuard {
    const key = `${action}:${param}:${extension}`;
    return {
      locked: async () => this.locked(key),
      failed: async () => {
        this.failures.set(key, [...(this.failures.get(key) ?? []), Date.now()]);
        return this.locked(key);
      },
      passed: async () => undefined,
    };
  }

  private locked(key: string): boolean {
    const since = Date.now() - this.windowMs;
    const recent = (this.failures.get(key) ?? []).filter((t) => t > since);
    if (recent.length === 0) this.failures.delete(key);
    else this.failures.set(key, recent);
    return recent.length >= this.maxFailures;
  }
}
