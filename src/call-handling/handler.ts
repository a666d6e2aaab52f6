import type { Ari } from '../asterisk/ari';
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

interface StasisEvent {
  args?: string[];
  channel?: { id?: string };
  playback?: { id?: string };
}

interface Call {
  ended: boolean;
  // Wakes whatever waits on this call (its playback) when it ends.
  end: () => void;
}

let playbackSeq = 0;

export class CallHandlingCodes {
  private readonly finished = new Set<string>();
  private readonly waiting = new Map<string, () => void>();
  private readonly calls = new Map<string, Call>();
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly ari: Ari,
    private readonly log: Logger,
    private readonly actions: Readonly<Record<string, CallHandlingAction>>,
  ) {}

  start(): void {
    this.unsubscribe ??= this.ari.onEvent((name, data) => this.onEvent(name, data as StasisEvent));
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    const open = [...this.calls.keys()];
    for (const call of this.calls.values()) call.end();
    await Promise.all(open.map((id) => this.hangUp(id)));
  }

  private onEvent(name: string, e: StasisEvent): void {
    const channelId = e.channel?.id;
    if (name === 'StasisStart') {
      const [kind, action, extension, digits] = e.args ?? [];
      // The Stasis app is shared with the PIN codes and greetings by phone: only ours here.
      if (kind !== CALL_HANDLING_ARG || !channelId) return;
      const call: Call = { ended: false, end: () => undefined };
      this.calls.set(channelId, call);
      void this.run(channelId, action ?? '', extension ?? '', digits ?? '')
        .catch((err: unknown) => {
          if (!call.ended) this.log.error({ err, action }, 'call handling code failed');
        })
        .finally(() => {
          this.calls.delete(channelId);
          void this.hangUp(channelId);
        });
      return;
    }
    if (name === 'PlaybackFinished' && e.playback?.id) {
      this.finished.add(e.playback.id);
      this.waiting.get(e.playback.id)?.();
      return;
    }
    if ((name === 'StasisEnd' || name === 'ChannelDestroyed') && channelId) {
      const call = this.calls.get(channelId);
      if (call) {
        call.ended = true;
        call.end();
      }
    }
  }

  private async run(channelId: string, actionName: string, extension: string, digits: string): Promise<void> {
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
    await this.play(channelId, sounds);
  }

  private async play(channelId: string, media: string[]): Promise<void> {
    const call = this.calls.get(channelId);
    if (!call || call.ended) return;
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

  private async hangUp(channelId: string): Promise<void> {
    await this.ari.hangup(channelId).catch(() => undefined);
  }
}
