import type { Ari } from './ari';

// The calls a feature takes from the shared Stasis app: the dialplan hands each one over with
// `<kind>,<action>,<calling endpoint>[,<param>]`. A call of this kind is opened and run, and hung
// up once run settles; calls of other kinds belong to other features and are left alone.

export interface StasisEvent {
  args?: string[];
  channel?: { id?: string };
  digit?: string;
  playback?: { id?: string };
}

export interface StasisCallHandler<C> {
  kind: string;
  // The per-call state, made on StasisStart.
  open(channelId: string): C;
  run(call: C, channelId: string, action: string, extension: string, param: string): Promise<void>;
  // run rejected (the call is hung up all the same).
  failed(err: unknown, call: C, action: string, extension: string): void;
  // The caller hung up (StasisEnd, ChannelDestroyed), or the app is stopping.
  ended(call: C): void;
  // Every other event (playbacks, keys), with this kind's call on that channel if there is one.
  event?(name: string, e: StasisEvent, call: C | undefined): void;
}

export class StasisCalls<C> {
  readonly calls = new Map<string, C>();
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly ari: Ari,
    private readonly handler: StasisCallHandler<C>,
  ) {}

  start(): void {
    this.unsubscribe ??= this.ari.onEvent((name, data) => this.onEvent(name, data as StasisEvent));
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    const open = [...this.calls.entries()];
    for (const [, call] of open) this.handler.ended(call);
    await Promise.all(open.map(([channelId]) => this.hangUp(channelId)));
  }

  private onEvent(name: string, e: StasisEvent): void {
    const channelId = e.channel?.id;
    if (name === 'StasisStart') {
      const [kind, action = '', extension = '', param = ''] = e.args ?? [];
      if (kind !== this.handler.kind || !channelId) return;
      const call = this.handler.open(channelId);
      this.calls.set(channelId, call);
      void this.handler
        .run(call, channelId, action, extension, param)
        .catch((err: unknown) => this.handler.failed(err, call, action, extension))
        .finally(() => {
          this.calls.delete(channelId);
          void this.hangUp(channelId);
        });
      return;
    }
    const call = channelId ? this.calls.get(channelId) : undefined;
    if (call && (name === 'StasisEnd' || name === 'ChannelDestroyed')) this.handler.ended(call);
    else this.handler.event?.(name, e, call);
  }

  private async hangUp(channelId: string): Promise<void> {
    await this.ari.hangup(channelId).catch(() => undefined);
  }
}
