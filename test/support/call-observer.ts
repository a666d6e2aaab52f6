import { Ari } from '../../src/asterisk/ari';
import { createLogger } from '../../src/lib/log';
import { waitFor } from './asterisk';
import { testEnv } from './env';

// Watches every channel of the test Asterisk through its own ARI app (subscribed to all
// events) and keeps, per channel, the dialplan applications it ran: that is how tests see
// from Asterisk's side which prompt played and where a call went.

export interface DialplanStep {
  context: string;
  exten: string;
  app: string;
  data: string;
  // When Asterisk ran the step (the event's own timestamp, else when it arrived): the next
  // step's minus this one's is how long it ran. Asterisk's clock, not the test's: the test
  // process runs at a low priority and may read a burst of events late on a loaded machine.
  at: number;
}

export interface ObservedChannel {
  id: string;
  name: string;
  callerNumber: string;
  dialed: string;
  steps: DialplanStep[];
  destroyed: boolean;
}

interface ChannelEvent {
  channel?: {
    id: string;
    name: string;
    caller?: { number?: string };
    dialplan?: { context: string; exten: string };
  };
  dialplan_app?: string;
  dialplan_app_data?: string;
  timestamp?: string; // e.g. 2026-12-08T01:36:40.158+0000
}

export class CallObserver {
  readonly channels = new Map<string, ObservedChannel>();
  private constructor(private readonly ari: Ari) {}

  static async start(): Promise<CallObserver> {
    const ari = new Ari(
      {
        url: testEnv.ariUrl,
        username: testEnv.ariUsername,
        password: testEnv.ariPassword,
        app: `sb-test-observer-${process.pid}`,
      },
      createLogger('silent'),
      ['ChannelDialplan', 'ChannelDestroyed'],
    );
    const observer = new CallObserver(ari);
    ari.onEvent((name, data) => observer.record(name, data as ChannelEvent));
    await ari.startEvents();
    await waitFor('the observer ARI connection', async () => ari.connected, 15_000);
    return observer;
  }

  private record(name: string, e: ChannelEvent): void {
    const ch = e.channel;
    if (!ch) return;
    let seen = this.channels.get(ch.id);
    if (!seen) {
      seen = {
        id: ch.id,
        name: ch.name,
        callerNumber: ch.caller?.number ?? '',
        dialed: ch.dialplan?.exten ?? '',
        steps: [],
        destroyed: false,
      };
      this.channels.set(ch.id, seen);
    }
    if (name === 'ChannelDestroyed') seen.destroyed = true;
    else if (name === 'ChannelDialplan' && ch.dialplan) {
      seen.steps.push({
        context: ch.dialplan.context,
        exten: ch.dialplan.exten,
        app: e.dialplan_app ?? '',
        data: e.dialplan_app_data ?? '',
        at: (e.timestamp && Date.parse(e.timestamp)) || Date.now(),
      });
    }
  }

  // Forget what was seen so far (between tests).
  clear(): void {
    this.channels.clear();
  }

  // The first channel (in arrival order) matching the predicate, once it exists.
  async channel(what: string, match: (c: ObservedChannel) => boolean, timeoutMs = 20_000) {
    return waitFor(what, async () => [...this.channels.values()].find(match), timeoutMs);
  }

  // Resolves once the channel ran an application matching app (and data, if given).
  async ran(
    channel: ObservedChannel,
    app: string,
    data?: string | RegExp,
    timeoutMs = 20_000,
  ): Promise<DialplanStep> {
    return waitFor(
      `${channel.name} to run ${app}(${data ?? ''})`,
      async () =>
        channel.steps.find(
          (s) =>
            // Asterisk's application names are case-insensitive (Background runs as BackGround).
            s.app.toLowerCase() === app.toLowerCase() &&
            (data === undefined || (typeof data === 'string' ? s.data.includes(data) : data.test(s.data))),
        ),
      timeoutMs,
    );
  }

  async stop(): Promise<void> {
    await this.ari.stop();
  }
}
