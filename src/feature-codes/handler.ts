import argon2 from 'argon2';
import type { Ari } from '../asterisk/ari';
import { CallEnded, DtmfSession, type DtmfTiming } from '../asterisk/dtmf-session';
import type { Logger } from '../lib/log';

// Feature codes dialled from a phone (*28<id>, *99): the dialplan hands the call to the Stasis
// app with `feature,<action>,<calling endpoint>[,<param>]`; here it is answered, asked for its
// PIN (RFC 2833 digits, ended by # or by a pause), checked against the stored argon2 hash, and
// the action runs. The PIN never reaches the dialplan or a log.

export const FEATURE_ARG = 'feature';

export interface FeatureAction {
  // The hash guarding this code, or null when it cannot be used (no such object, no PIN set).
  pinHash(param: string): Promise<string | null>;
  // Acts for the calling extension; returns the sounds that confirm what happened.
  perform(param: string, extension: string): Promise<string[]>;
}

export type FeatureTiming = DtmfTiming;

const MAX_ATTEMPTS = 3;
const MAX_PIN_DIGITS = 10;
// Across calls: this many wrong PINs for one code within the window locks it for the window.
const LOCKOUT_FAILURES = 10;
const LOCKOUT_WINDOW_MS = 15 * 60 * 1000;

const SOUND = {
  enterPin: 'sound:agent-pass',
  thanks: 'sound:auth-thankyou',
  wrong: 'sound:auth-incorrect',
  unavailable: 'sound:feature-not-avail-line',
  goodbye: 'sound:vm-goodbye',
} as const;

interface StasisEvent {
  args?: string[];
  channel?: { id?: string };
  digit?: string;
  playback?: { id?: string; target_uri?: string };
}

export class FeatureCodes {
  private readonly sessions = new Map<string, DtmfSession>();
  private readonly failures = new Map<string, number[]>();
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
    for (const s of open) s.end();
    await Promise.all(open.map((s) => s.hangUp()));
  }

  private onEvent(name: string, e: StasisEvent): void {
    const channelId = e.channel?.id;
    if (name === 'StasisStart') {
      const [kind, action, extension, param] = e.args ?? [];
      // The Stasis app is shared (greetings by phone use it too): only feature calls are ours.
      if (kind !== FEATURE_ARG || !channelId) return;
      const session = new DtmfSession(this.ari, channelId, {
        timing: this.timing,
        maxDigits: MAX_PIN_DIGITS,
        // A PIN typed ahead up to # answers the prompt.
        answeredAhead: (digits) => digits.includes('#'),
        playbackPrefix: 'sb-feature',
      });
      this.sessions.set(channelId, session);
      void this.run(session, action ?? '', extension ?? '', param ?? '')
        .catch((err: unknown) => {
          if (!(err instanceof CallEnded)) this.log.error({ err, action }, 'feature code failed');
        })
        .finally(() => {
          this.sessions.delete(channelId);
          void session.hangUp();
        });
      return;
    }
    if (name === 'PlaybackFinished' && e.playback?.id) {
      for (const s of this.sessions.values()) s.playbackFinished(e.playback.id);
      return;
    }
    const session = channelId ? this.sessions.get(channelId) : undefined;
    if (!session) return;
    if (name === 'ChannelDtmfReceived' && e.digit) session.key(e.digit);
    else if (name === 'StasisEnd' || name === 'ChannelDestroyed') session.end();
  }

  private async run(s: DtmfSession, actionName: string, extension: string, param: string): Promise<void> {
    await this.ari.answer(s.channelId);
    const action = this.actions[actionName];
    const key = `${actionName}:${param}`;
    const hash = action && /^[0-9]{1,20}$/.test(extension) ? await action.pinHash(param) : null;
    if (!action || !hash || this.lockedOut(key)) {
      this.log.warn({ action: actionName, param, extension }, 'feature code refused');
      await s.play([SOUND.unavailable]);
      return;
    }
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      await s.play([SOUND.enterPin], true);
      const pin = await s.collect();
      if (pin !== '' && (await argon2.verify(hash, pin).catch(() => false))) {
        let confirm: string[];
        try {
          confirm = [SOUND.thanks, ...(await action.perform(param, extension))];
          this.log.info({ action: actionName, param, extension }, 'feature code used');
        } catch (err) {
          // e.g. emergency mode without a greeting yet: nothing changed, and the caller hears so.
          this.log.warn({ err, action: actionName, param, extension }, 'feature code could not act');
          confirm = [SOUND.unavailable];
        }
        await s.play(confirm);
        return;
      }
      this.fail(key);
      this.log.warn({ action: actionName, param, extension, attempt }, 'feature code: wrong PIN');
      await s.play([SOUND.wrong]);
    }
    await s.play([SOUND.goodbye]);
  }

  private lockedOut(key: string): boolean {
    const since = Date.now() - LOCKOUT_WINDOW_MS;
    const recent = (this.failures.get(key) ?? []).filter((t) => t > since);
    this.failures.set(key, recent);
    return recent.length >= LOCKOUT_FAILURES;
  }

  private fail(key: string): void {
    this.failures.set(key, [...(this.failures.get(key) ?? []), Date.now()]);
  }
}
