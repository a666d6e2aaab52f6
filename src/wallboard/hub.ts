import type { Request, Response } from 'express';
import type { Ari } from '../asterisk/ari';
import type { Logger } from '../lib/log';
import { changeKey, type SnapshotBuilder } from './snapshot';
import type { WallboardSnapshot } from './types';

export interface HubOptions {
  maxStreams: number;
  pollMs: number; // queue state is polled (a CLI call or an AMI action) only while a stream is open
  heartbeatMs: number;
  eventDelayMs: number; // ARI events arrive in bursts: one rebuild per burst
}

export const DEFAULT_HUB_OPTIONS: HubOptions = {
  maxStreams: 50,
  pollMs: 1_500,
  heartbeatMs: 15_000,
  eventDelayMs: 150,
};

// Channel events that can change what the wallboard shows.
const TRIGGERS = new Set(['ChannelStateChange', 'ChannelDestroyed', 'StasisStart', 'StasisEnd']);
// ARI's name for an application subscribed to every channel.
const ALL_CHANNELS = '__AST_CHANNEL_ALL_TOPIC';
const SUBSCRIPTION_CHECK_MS = 10_000;
// A snapshot this young answers GET /api/v1/wallboard without asking Asterisk again.
const FRESH_MS = 1_000;

interface Stream {
  res: Response;
  needsSnapshot: boolean;
  kioskId: number | null;
}

// The live wallboard: one snapshot builder and poll loop shared by every open event stream.
// Without viewers nothing runs; with viewers it rebuilds every pollMs and on channel events, and
// pushes a snapshot only when something changed (a new stream always gets one at once).
export class WallboardHub {
  private readonly streams = new Set<Stream>();
  private latest: { snapshot: WallboardSnapshot; key: string; at: number } | null = null;
  private building: Promise<WallboardSnapshot> | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private eventTimer: NodeJS.Timeout | null = null;
  private subscribed: { started: string; checkedAt: number } | null = null;
  private stopped = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly builder: SnapshotBuilder,
    private readonly ari: Ari,
    private readonly ariApp: string,
    private readonly log: Logger,
    private readonly options: HubOptions = DEFAULT_HUB_OPTIONS,
  ) {
    this.unsubscribe = ari.onEvent((name) => {
      if (this.streams.size > 0 && TRIGGERS.has(name)) this.soon();
    });
  }

  // Streams open with one kiosk token: a token (a URL that can leak) may not take them all.
  kioskStreams(kioskId: number): number {
    let n = 0;
    for (const s of this.streams) if (s.kioskId === kioskId) n++;
    return n;
  }

  get streamCount(): number {
    return this.streams.size;
  }

  get full(): boolean {
    return this.stopped || this.streams.size >= this.options.maxStreams;
  }

  async snapshot(): Promise<WallboardSnapshot> {
    if (this.latest && Date.now() - this.latest.at < FRESH_MS) return this.latest.snapshot;
    return this.refresh();
  }

  // Takes over the response as a text/event-stream; the caller checks `full` first.
  open(_req: Request, res: Response, kioskId: number | null): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 3000\n\n');
    const stream: Stream = { res, needsSnapshot: true, kioskId };
    this.streams.add(stream);
    // The response closes when the viewer goes away (or we end it); a write to a socket that
    // died mid-way must not take the process down either.
    const drop = () => {
      this.streams.delete(stream);
      if (this.streams.size === 0) this.idle();
    };
    res.on('close', drop);
    res.on('error', drop);
    if (!this.pollTimer) this.poll();
    else this.soon(0);
    this.heartbeatTimer ??= setInterval(() => this.heartbeat(), this.options.heartbeatMs);
  }

  // A revoked kiosk loses its open streams at once; its reconnect is then refused.
  endKiosk(kioskId: number): void {
    for (const s of [...this.streams]) {
      if (s.kioskId !== kioskId) continue;
      this.streams.delete(s);
      s.res.end();
    }
    if (this.streams.size === 0) this.idle();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    this.idle();
    for (const s of this.streams) s.res.end();
    this.streams.clear();
    await this.building?.catch(() => undefined);
  }

  private idle(): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    if (this.eventTimer) clearTimeout(this.eventTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.pollTimer = this.eventTimer = this.heartbeatTimer = null;
  }

  private poll(): void {
    void this.refresh()
      .catch(() => undefined)
      .finally(() => {
        if (this.streams.size > 0 && !this.stopped)
          this.pollTimer = setTimeout(() => this.poll(), this.options.pollMs);
        else this.pollTimer = null;
      });
  }

  private soon(delay = this.options.eventDelayMs): void {
    if (this.eventTimer) return;
    this.eventTimer = setTimeout(() => {
      this.eventTimer = null;
      if (this.streams.size > 0) void this.refresh().catch(() => undefined);
    }, delay);
  }

  // One build at a time; whoever asks while it runs gets its result.
  private refresh(): Promise<WallboardSnapshot> {
    this.building ??= this.rebuild().finally(() => {
      this.building = null;
    });
    return this.building;
  }

  private async rebuild(): Promise<WallboardSnapshot> {
    if (this.streams.size > 0) await this.ensureSubscribed();
    const snapshot = await this.builder.build();
    const key = changeKey(snapshot);
    const changed = key !== this.latest?.key;
    this.latest = { snapshot, key, at: Date.now() };
    const data = `event: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`;
    for (const s of this.streams) {
      if (changed || s.needsSnapshot) {
        s.needsSnapshot = false;
        s.res.write(data);
      }
    }
    return snapshot;
  }

  private heartbeat(): void {
    for (const s of this.streams) s.res.write(': heartbeat\n\n');
  }

  // ARI tells an application only about channels in its Stasis calls unless it subscribes to
  // all of them. The subscription dies with Asterisk (a restart), so it is checked again
  // whenever Asterisk's start time changes and every few seconds while someone watches.
  private async ensureSubscribed(): Promise<void> {
    try {
      const started = await this.ari.startedAt();
      const s = this.subscribed;
      if (s && s.started === started && Date.now() - s.checkedAt < SUBSCRIPTION_CHECK_MS) return;
      const app = await this.ari.application(this.ariApp);
      if (!app.channel_ids?.includes(ALL_CHANNELS)) {
        await this.ari.subscribe(this.ariApp, 'channel:');
        this.log.info({ app: this.ariApp }, 'wallboard: subscribed to all channel events');
      }
      this.subscribed = { started, checkedAt: Date.now() };
    } catch (err) {
      // Asterisk down or the app not registered yet: polling still runs; retried next time.
      this.subscribed = null;
      this.log.debug({ err: (err as Error).message }, 'wallboard: channel subscription pending');
    }
  }
}
