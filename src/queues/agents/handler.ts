import type { Ari } from '../../asterisk/ari';
import { StasisCalls } from '../../asterisk/stasis-calls';
import type { Logger } from '../../lib/log';
import type { QueueAgents } from './service';

// *45 / *45<queue> / *46 from a phone: the dialplan ([sb-agent-codes]) hands the call to the
// Stasis app with `agent,<toggle|pause>,<calling endpoint>[,<queue>]`. The endpoint is the one
// PJSIP authenticated, so no PIN is asked; the call is answered, the change made, confirmed by
// a prompt, and hung up.

export const AGENT_ARG = 'agent';

const SOUND = {
  loggedIn: 'sound:agent-loginok',
  loggedOut: 'sound:agent-loggedoff',
  paused: 'sound:dictate/paused',
  unpaused: 'sound:auth-thankyou',
  unavailable: 'sound:feature-not-avail-line',
} as const;

interface Call {
  // Wakes whatever waits on this call (its playback) when the caller hangs up.
  end: () => void;
}

let playbackSeq = 0;

export class AgentCodes {
  // Playback id → resolve.
  private readonly playing = new Map<string, () => void>();
  private readonly app: StasisCalls<Call>;

  constructor(
    private readonly ari: Ari,
    private readonly log: Logger,
    private readonly agents: QueueAgents,
  ) {
    // The Stasis app is shared with other features: only agent codes are ours.
    this.app = new StasisCalls<Call>(ari, {
      kind: AGENT_ARG,
      open: () => ({ end: () => undefined }),
      run: (call, channelId, action, extension, param) => this.run(call, channelId, action, extension, param),
      failed: (err, _call, action, extension) =>
        this.log.error({ err, action, extension }, 'agent code failed'),
      ended: (call) => call.end(),
      event: (name, e) => {
        if (name === 'PlaybackFinished' && e.playback?.id) this.playing.get(e.playback.id)?.();
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
    action: string,
    extension: string,
    param: string,
  ): Promise<void> {
    await this.ari.answer(channelId);
    const by = `extension ${extension} (phone)`;
    let sound: string = SOUND.unavailable;
    if (/^[0-9]{1,20}$/.test(extension) && /^[0-9]{0,10}$/.test(param)) {
      try {
        if (action === 'toggle') {
          const result = await this.agents.toggleLogin(extension, param === '' ? null : param, by);
          if (result !== 'none') sound = result === 'in' ? SOUND.loggedIn : SOUND.loggedOut;
        } else if (action === 'pause') {
          const result = await this.agents.togglePause(extension, by);
          if (result !== 'none') sound = result === 'paused' ? SOUND.paused : SOUND.unpaused;
        }
      } catch (err) {
        this.log.warn({ err: (err as Error).message, action, extension, param }, 'agent code could not act');
      }
    }
    if (sound === SOUND.unavailable) this.log.warn({ action, extension, param }, 'agent code refused');
    await this.play(call, channelId, sound);
  }

  private async play(call: Call, channelId: string, media: string): Promise<void> {
    const id = `sb-agent-${process.pid}-${++playbackSeq}`;
    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(() => finish(), 30_000);
      const finish = () => {
        clearTimeout(timer);
        this.playing.delete(id);
        call.end = () => undefined;
        resolve();
      };
      this.playing.set(id, finish);
      // The caller hanging up ends the wait as well.
      call.end = finish;
    });
    try {
      await this.ari.play(channelId, id, [media]);
    } catch {
      this.playing.get(id)?.();
    }
    await done;
  }
}
