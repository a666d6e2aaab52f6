import type { Ari } from '../asterisk/ari';
import { StasisCalls } from '../asterisk/stasis-calls';
import type { Logger } from '../lib/log';

// Forwarding, do-not-disturb and blocking codes dialled from a phone: the dialplan hands the
// call to the Stasis app with `callhandling,<action>,<calling endpoint>[,<digits>]`. Here it is
// answered, the action runs (MySQL, then astdb) and the caller hears what is now in force.

export const CALL_HANDLING_ARG = 'callhandling';

// Acts for the extension; returns the sounds confirming what happened. Throws PhoneRefusal when
// the request cannot be done (bad number), which the caller hears as "invalid".
export type CallHandlingAction = (extension: string, digits: string) => Promise<string[]>;

export class PhoneRefusal extends Error {}

const SOUND_REFUSED = ['sound:invalid'];
const SOUND_FAILED = ['sound:feature-not-avail-line'];

interface Call {
  ended: boolean;
  // Wakes whatever waits on this call (its playback) when it ends.
  end: () => void;
}

let playbackSeq = 0;

export class CallHandlingCodes {
  private readonly finished = new Set<string>();
  private readonly waiting = new Map<string, () => void>();
  private readonly app: StasisCalls<Call>;

  constructor(
    private readonly ari: Ari,
    private readonly log: Logger,
    private readonly actions: Readonly<Record<string, CallHandlingAction>>,
  ) {
    // The Stasis app is shared with the PIN codes and greetings by phone: only ours here.
    this.app = new StasisCalls<Call>(ari, {
      kind: CALL_HANDLING_ARG,
      open: () => ({ ended: false, end: () => undefined }),
      run: (call, channelId, action, extension, digits) =>
        this.run(call, channelId, action, extension, digits),
      failed: (err, call, action) => {
        if (!call.ended) this.log.error({ err, action }, 'call handling code failed');
      },
      ended: (call) => {
        call.ended = true;
        call.end();
      },
      event: (name, e) => {
        if (name === 'PlaybackFinished' && e.playback?.id) {
          this.finished.add(e.playback.id);
          this.waiting.get(e.playback.id)?.();
        }
      },
    });
  }

  start(): void {
    this.app.start();
  }

  stop(): Promise<void> {
    return this.app.stop();
  }

  private async run(
    call: Call,
    channelId: string,
    actionName: string,
    extension: string,
    digits: string,
  ): Promise<void> {
    await this.ari.answer(channelId);
    const action = this.actions[actionName];
    let sounds: string[];
    if (!action || !/^[0-9]{1,20}$/.test(extension)) {
      this.log.warn({ action: actionName, extension }, 'call handling code refused');
      sounds = SOUND_FAILED;
    } else {
      try {
        sounds = await action(extension, digits);
        this.log.info({ action: actionName, extension }, 'call handling code used');
      } catch (err) {
        if (err instanceof PhoneRefusal) {
          this.log.warn({ action: actionName, extension, reason: err.message }, 'call handling code refused');
          sounds = SOUND_REFUSED;
        } else {
          this.log.error({ err, action: actionName, extension }, 'call handling code could not act');
          sounds = SOUND_FAILED;
        }
      }
    }
    await this.play(call, channelId, sounds);
  }

  private async play(call: Call, channelId: string, media: string[]): Promise<void> {
    if (call.ended) return;
    const id = `sb-callhandling-${process.pid}-${++playbackSeq}`;
    const done = new Promise<void>((resolve) => {
      const deadline = setTimeout(() => finish(), 30_000);
      const finish = () => {
        clearTimeout(deadline);
        this.waiting.delete(id);
        this.finished.delete(id);
        resolve();
      };
      this.waiting.set(id, finish);
      call.end = finish;
    });
    try {
      await this.ari.play(channelId, id, media);
    } catch (err) {
      this.waiting.get(id)?.();
      if (!call.ended) throw err;
      return;
    }
    if (this.finished.has(id)) this.waiting.get(id)?.();
    await done;
  }
}
