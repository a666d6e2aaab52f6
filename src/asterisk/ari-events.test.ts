import { randomBytes } from 'node:crypto';
import { type AddressInfo, createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { sandbox, waitFor } from '../../test/support/asterisk';
import { requireAsterisk, testEnv } from '../../test/support/env';
import { createLogger } from '../lib/log';
import { Ari } from './ari';
import { type AriEvent, AriEventSocket, eventsUrl } from './ari-events';

// The event websocket against the lane's real Asterisk. Drops are made by a TCP relay between the
// socket and Asterisk (cut, refused, or a black hole that never answers the upgrade).

jest.setTimeout(120_000);

const appName = () => `sb-test-events-${randomBytes(4).toString('hex')}`;

function ariAt(url: string, app: string): Ari {
  return new Ari(
    { url, username: testEnv.ariUsername, password: testEnv.ariPassword, app },
    createLogger('silent'),
  );
}

// The lane's ARI, for checks that do not go through the socket under test.
const direct = ariAt(testEnv.ariUrl, 'sb-test-events-direct');

async function registered(app: string): Promise<boolean> {
  try {
    await direct.application(app, 2_000);
    return true;
  } catch {
    return false;
  }
}

// ARI's user event: delivered to the named application's socket as a ChannelUserevent.
async function userEvent(app: string, name: string): Promise<void> {
  await direct.request('POST', `/events/user/${name}?application=${encodeURIComponent(app)}`);
}

class Relay {
  readonly server: Server;
  readonly clients = new Set<Socket>();
  connections = 0;
  mode: 'relay' | 'blackhole' = 'relay';

  private constructor() {
    const target = new URL(testEnv.ariUrl);
    this.server = createServer((client) => {
      this.connections++;
      this.clients.add(client);
      client.on('close', () => this.clients.delete(client));
      client.on('error', () => undefined);
      // Reads and drops what the socket sends (a paused socket would never see the far end close).
      if (this.mode === 'blackhole') {
        client.resume();
        return;
      }
      const upstream = netConnect(Number(target.port || 80), target.hostname);
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  static async start(port = 0): Promise<Relay> {
    const relay = new Relay();
    await new Promise<void>((resolve) => relay.server.listen(port, '127.0.0.1', resolve));
    return relay;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  cut(): void {
    for (const c of this.clients) c.destroy();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

function socketVia(url: string, app: string, seen: AriEvent[] = [], states: boolean[] = []) {
  const retries: number[] = [];
  const socket = new AriEventSocket({
    url,
    username: testEnv.ariUsername,
    password: testEnv.ariPassword,
    app,
    subscribeAll: false,
    onEvent: (e) => seen.push(e),
    onConnected: (c) => states.push(c),
    onRetry: (_err, retryInMs) => retries.push(retryInMs),
  });
  return { socket, seen, states, retries };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(() => requireAsterisk());

describe('eventsUrl', () => {
  it('names the app, subscribeAll and the escaped credentials as ARI expects', () => {
    expect(
      eventsUrl({
        url: 'http://127.0.0.1:8088',
        username: 'sb',
        password: 'p:w&d',
        app: 'switch board',
        subscribeAll: true,
      }),
    ).toBe('ws://127.0.0.1:8088/ari/events?app=switch+board&subscribeAll=true&api_key=sb:p%3Aw%26d');
    expect(
      eventsUrl({ url: 'https://pbx:8089', username: 'u', password: 'p', app: 'a', subscribeAll: false }),
    ).toBe('wss://pbx:8089/ari/events?app=a&api_key=u:p');
  });
});

describe('AriEventSocket against Asterisk', () => {
  it('hands on events as parsed JSON with their type, and registers the app while open', async () => {
    const app = appName();
    const { socket, seen, states } = socketVia(testEnv.ariUrl, app);
    await socket.start();
    try {
      expect(socket.connected).toBe(true);
      expect(states).toEqual([true]);
      expect(await registered(app)).toBe(true);
      await userEvent(app, 'hello');
      const event = await waitFor('the user event', async () =>
        seen.find((e) => e.type === 'ChannelUserevent'),
      );
      expect(event).toMatchObject({ type: 'ChannelUserevent', eventname: 'hello', application: app });
    } finally {
      expect(await socket.stop()).toBe(true);
    }
    expect(states).toEqual([true, false]);
  });

  it('reconnects when the socket drops and when Asterisk refuses for a while, with backoff', async () => {
    const app = appName();
    let relay = await Relay.start();
    const port = (relay.server.address() as AddressInfo).port;
    const { socket, seen, states, retries } = socketVia(relay.url, app);
    await socket.start();
    try {
      // A cut connection: the socket opens again by itself and events flow again.
      relay.cut();
      await waitFor('the drop', async () => states.length >= 2, 5_000);
      await waitFor('the reconnect', async () => socket.connected, 10_000);
      expect(states).toEqual([true, false, true]);
      await waitFor('the app registered again', () => registered(app), 5_000);
      await userEvent(app, 'again');
      await waitFor('the event after the reconnect', async () =>
        seen.some((e) => e.type === 'ChannelUserevent' && e['eventname'] === 'again'),
      );

      // Nothing listening (Asterisk restarting): retries at 500 ms, then doubling.
      await relay.close();
      await waitFor('the drop', async () => !socket.connected, 5_000);
      await waitFor('three failed attempts', async () => retries.length >= 3, 10_000);
      expect(retries.slice(0, 3)).toEqual([500, 1000, 2000]);
      relay = await Relay.start(port);
      await waitFor('the reconnect once something listens again', async () => socket.connected, 15_000);
      expect(states).toEqual([true, false, true, false, true]);
    } finally {
      await socket.stop();
      await relay.close();
    }
  });

  it('gives up on an opening that hangs after 10 s and tries again', async () => {
    const app = appName();
    const relay = await Relay.start();
    relay.mode = 'blackhole';
    const errors: string[] = [];
    const socket = new AriEventSocket({
      url: relay.url,
      username: testEnv.ariUsername,
      password: testEnv.ariPassword,
      app,
      subscribeAll: false,
      onEvent: () => undefined,
      onRetry: (err) => errors.push(err.message),
    });
    const t0 = Date.now();
    const started = socket.start();
    try {
      await waitFor('the timed-out attempt', async () => errors.length > 0, 15_000);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(9_500);
      expect(errors[0]).toMatch(/timed out|took over/);
      relay.mode = 'relay';
      await started;
      expect(socket.connected).toBe(true);
    } finally {
      await socket.stop();
      await relay.close();
    }
  });

  it('stops for good: after stop() nothing reconnects, even when stop() runs while a socket opens', async () => {
    const app = appName();
    const relay = await Relay.start();
    try {
      // Stopped while open: the connection closes and stays closed.
      const open = socketVia(relay.url, app);
      await open.socket.start();
      const before = relay.connections;
      await open.socket.stop();
      await sleep(1_500);
      expect(relay.connections).toBe(before);
      expect(open.socket.connected).toBe(false);

      // Stopped while the upgrade hangs: start() settles, the socket is cut, nothing follows.
      relay.mode = 'blackhole';
      const hanging = socketVia(relay.url, app);
      const started = hanging.socket.start();
      await waitFor('the hanging connection', async () => relay.connections > before, 5_000);
      const t0 = Date.now();
      await hanging.socket.stop();
      await started;
      expect(Date.now() - t0).toBeLessThan(3_000);
      const after = relay.connections;
      await waitFor('the relay to see the socket cut', async () => relay.clients.size === 0, 5_000);
      await sleep(1_500);
      expect(relay.connections).toBe(after);
      expect(hanging.states).toEqual([]);

      // Stopped while waiting to retry: the wait ends at once.
      const url = relay.url;
      await relay.close();
      const refused = socketVia(url, app);
      const pending = refused.socket.start();
      await waitFor('a failed attempt', async () => refused.retries.length >= 1, 5_000);
      const t1 = Date.now();
      await refused.socket.stop();
      await pending;
      expect(Date.now() - t1).toBeLessThan(500);
      await sleep(1_000);
      expect(refused.retries.length).toBe(1);
    } finally {
      await relay.close().catch(() => undefined);
    }
  });
});

describe('Ari events', () => {
  it('forwards the named event types only, and stop() ends once Asterisk no longer lists the app', async () => {
    const app = appName();
    const ari = new Ari(
      { url: testEnv.ariUrl, username: testEnv.ariUsername, password: testEnv.ariPassword, app },
      createLogger('silent'),
      ['ChannelUserevent'],
    );
    const seen: Array<[string, unknown]> = [];
    ari.onEvent((name, data) => seen.push([name, data]));
    await ari.startEvents();
    expect(ari.connected).toBe(true);
    await userEvent(app, 'forwarded');
    await waitFor('the forwarded event', async () => seen.length > 0);
    expect(seen[0]![0]).toBe('ChannelUserevent');
    expect(seen[0]![1]).toMatchObject({ eventname: 'forwarded' });
    await ari.stop();
    expect(ari.connected).toBe(false);
    expect(await registered(app)).toBe(false);
  });

  it('comes back after an Asterisk restart and registers the app again', async () => {
    const app = appName();
    const ari = ariAt(testEnv.ariUrl, app);
    await ari.startEvents();
    try {
      const before = await ari.startedAt();
      await sandbox('stop');
      await waitFor('the drop', async () => !ari.connected, 20_000);
      await sandbox('start');
      await waitFor('the reconnect', async () => ari.connected, 45_000);
      await waitFor('the app registered again', () => registered(app), 10_000);
      expect(await ari.startedAt()).not.toBe(before);
    } finally {
      await ari.stop();
    }
  });
});
