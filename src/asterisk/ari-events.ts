import WebSocket, { type RawData } from 'ws';

// ARI's event websocket, kept open for as long as it is wanted: Asterisk restarts are routine,
// so a dropped socket is opened again (with backoff) until stop(). Events arrive as JSON objects
// with a `type`; they are handed on as parsed, untouched.

export interface AriEvent {
  type: string;
  [field: string]: unknown;
}

export interface AriEventSocketOptions {
  url: string; // http(s)://host:port, as for REST
  username: string;
  password: string;
  app: string;
  // Every channel, bridge and endpoint event, not only those of the app's own Stasis calls.
  subscribeAll: boolean;
  onEvent(event: AriEvent): void;
  // Called on every change: true once a socket is open, false when it closes.
  onConnected?(connected: boolean): void;
  // An attempt failed and the next one follows in retryInMs.
  onRetry?(err: Error, retryInMs: number): void;
  // An event that could not be parsed, or a listener that threw.
  onError?(err: Error): void;
}

export const CONNECT_TIMEOUT_MS = 10_000;
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;
// After a drop the first attempt waits this long: a socket Asterisk closes right after opening
// must not turn into a tight loop.
const AFTER_DROP_MS = 100;
// A clean close that Asterisk does not answer in time is cut.
const CLOSE_TIMEOUT_MS = 2_000;

export function eventsUrl(
  o: Pick<AriEventSocketOptions, 'url' | 'username' | 'password' | 'app' | 'subscribeAll'>,
) {
  const query = new URLSearchParams({ app: o.app });
  if (o.subscribeAll) query.set('subscribeAll', 'true');
  // api_key is user:password with each half escaped; the colon between them stays as it is.
  const apiKey = `${encodeURIComponent(o.username)}:${encodeURIComponent(o.password)}`;
  return `${o.url.replace(/^http/, 'ws')}/ari/events?${query.toString()}&api_key=${apiKey}`;
}

export class AriEventSocket {
  private socket: WebSocket | null = null;
  private stopped = true;
  private running: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private isOpen = false;
  // Asterisk may have registered the app: a socket opened (or was cut mid-handshake) since start.
  private mayHoldApp = false;

  constructor(private readonly options: AriEventSocketOptions) {}

  get connected(): boolean {
    return this.isOpen;
  }

  // Resolves once the socket is open (or stop() has run); from then on, drops are reconnected.
  start(): Promise<void> {
    // Already open: nothing to do. Opening or waiting to retry: the same attempt.
    if (this.running) return this.running;
    if (this.socket) return Promise.resolve();
    if (this.stopped) {
      this.stopped = false;
      this.mayHoldApp = false;
    }
    this.running = this.connect(0);
    return this.running;
  }

  // Closes the socket and ends every retry; nothing reconnects afterwards, even if this runs
  // while a socket is opening. Resolves once the socket is closed, with whether Asterisk may
  // still hold the app registration (a socket had opened).
  async stop(): Promise<boolean> {
    this.stopped = true;
    // A retry waiting to reconnect ends now rather than holding the process for up to 10 s.
    this.wake?.();
    const ws = this.socket;
    if (ws) {
      if (ws.readyState === WebSocket.CONNECTING) this.mayHoldApp = true;
      await closeSocket(ws);
    }
    await this.running;
    this.setOpen(false);
    return this.mayHoldApp;
  }

  private async connect(firstWaitMs: number): Promise<void> {
    try {
      if (firstWaitMs > 0) await this.sleep(firstWaitMs);
      let delay = FIRST_RETRY_MS;
      while (!this.stopped) {
        try {
          await this.open();
          return;
        } catch (err) {
          if (this.stopped) return;
          this.options.onRetry?.(err as Error, delay);
          await this.sleep(delay);
          delay = Math.min(delay * 2, MAX_RETRY_MS);
        }
      }
    } finally {
      this.running = null;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).finally(() => {
      this.wake = null;
    });
  }

  // One socket: resolves when it is open, rejects if it closes (or times out) before that.
  private open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(eventsUrl(this.options), { handshakeTimeout: CONNECT_TIMEOUT_MS });
      this.socket = ws;
      let opened = false;
      let failure: Error | null = null;
      // handshakeTimeout covers the HTTP upgrade; this also covers a socket that never connects.
      const timer = setTimeout(() => {
        failure = new Error(`opening the event websocket took over ${CONNECT_TIMEOUT_MS} ms`);
        ws.terminate();
      }, CONNECT_TIMEOUT_MS);
      ws.on('upgrade', () => {
        this.mayHoldApp = true;
      });
      ws.on('open', () => {
        clearTimeout(timer);
        opened = true;
        this.mayHoldApp = true;
        this.setOpen(true);
        resolve();
      });
      ws.on('message', (data) => this.message(data));
      ws.on('error', (err) => {
        failure ??= err;
      });
      ws.on('close', () => {
        clearTimeout(timer);
        if (this.socket === ws) this.socket = null;
        if (!opened) {
          reject(failure ?? new Error('the event websocket closed while opening'));
          return;
        }
        this.setOpen(false);
        if (!this.stopped) this.running ??= this.connect(AFTER_DROP_MS);
      });
    });
  }

  private message(data: RawData): void {
    let event: AriEvent;
    try {
      const parsed: unknown = JSON.parse(rawText(data));
      if (typeof parsed !== 'object' || parsed === null || typeof (parsed as AriEvent).type !== 'string') {
        throw new Error('an ARI event without a type');
      }
      event = parsed as AriEvent;
    } catch (err) {
      this.options.onError?.(err as Error);
      return;
    }
    try {
      this.options.onEvent(event);
    } catch (err) {
      this.options.onError?.(err as Error);
    }
  }

  private setOpen(value: boolean): void {
    if (value === this.isOpen) return;
    this.isOpen = value;
    this.options.onConnected?.(value);
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

function closeSocket(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => ws.terminate(), CLOSE_TIMEOUT_MS);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
    else ws.close();
  });
}
