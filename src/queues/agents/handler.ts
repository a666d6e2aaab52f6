import type { Ari } from '../../asterisk/ari';
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

interface StasisEvent {
  args?: string[];
  channel?: { id?: string };
  playback?: { id?: string };
}

let playbackSeq = 0;

export class AgentCodes {
  private unsubscribe: (() => void) | null = null;
  // Playback id → resolve, and the channels still up.
  private readonly playing = new Map<string, () => void>();
  private readonly live = new Map<string, () => void>();

  constructor(
    private readonly ari: Ari,
    private readonly log: Logger,
    private readonly agents: QueueAgents,
  ) {}

  start(): void {
    this.unsubscribe ??= this.ari.onEvent((name, data) => this.onEvent(name, data as StasisEvent));
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    const open = [...this.live.keys()];
    for (const end of this.live.values()) end();
    await Promise.all(open.map((id) => this.hangUp(id)));
  }

  private onEvent(name: string, e: StasisEvent): void {
    const channelId = e.channel?.id;
    if (name === 'StasisStart') {
      const [kind, action, extension, param] = e.args ?? [];
      // The Stasis app is shared with other features: only agent codes are ours.
      if (kind !== AGENT_ARG || !channelId) return;
      this.live.set(channelId, () => undefined);
      void this.run(channelId, action ?? '', extension ?? '', param ?? '')
        .catch((err: unknown) => this.log.error({ err, action, extension }, 'agent code failed'))
        .finally(() => {
          this.live.delete(channelId);
          void this.hangUp(channelId);
        });
      return;
    }
    if (name === 'PlaybackFinished' && e.playback?.id) {
      this.playing.get(e.playback.id)?.();
      return;
    }
    if ((name === 'StasisEnd' || name === 'ChannelDestroyed') && channelId) this.live.get(channelId)?.();
  }

  private async run(channelId: string, action: string, extension: string, param: string): Promise<void> {
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
    await this.play(channelId, sound);
  }

  private async play(channelId: string, media: string): Promise<void> {
    const id = `sb-agent-${process.pid}-${++playbackSeq}`;
    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(() => finish(), 30_000);
      const finish = () => {
        clearTimeout(timer);
        this.playing.delete(id);
        this.live.set(channelId, () => undefined);
        resolve();
      };
      this.playing.set(id, finish);
      // The caller hanging up ends the wait as well.
      this.live.set(channelId, finish);
    });
    try {
      await this.ari.play(channelId, id, [media]);
    } catch {
      this.playing.get(id)?.();
    }
    await done;
  }

  private async hangUp(channelId: string): Promise<void> {
    await this.ari.hangup(channelId).catch(() => undefined);
  }
}
