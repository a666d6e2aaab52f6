import type { Logger } from '../lib/log';
import { AriEventSocket } from './ari-events';

export interface AriOptions {
  url: string;
  username: string;
  password: string;
  app: string;
}

export class AriError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class AriUnreachableError extends AriError {
  constructor(cause: string) {
    super(0, `Asterisk ARI is unreachable: ${cause}`);
  }
}

export interface AriEndpoint {
  technology: string;
  resource: string;
  state?: string;
  channel_ids: string[];
}

export type ConfigField = readonly [attribute: string, value: string];

// The only module that knows ARI's wire format. REST calls go through fetch (typed, with
// timeouts); the event websocket and its reconnects go through AriEventSocket (ari-events.ts).
// Events handed to onEvent listeners: registration state, and the channel events of calls that
// Switchboard itself handles in Stasis (feature codes, recording or playing greetings by phone).
const FORWARDED_EVENTS = [
  'EndpointStateChange',
  'ContactStatusChange',
  'PeerStatusChange',
  'StasisStart',
  'StasisEnd',
  'ChannelDtmfReceived',
  'ChannelStateChange',
  'ChannelDestroyed',
  'PlaybackStarted',
  'PlaybackFinished',
  'RecordingStarted',
  'RecordingFinished',
  'RecordingFailed',
] as const;

export class Ari {
  private events: AriEventSocket | null = null;
  private connectedState = false;
  private started: string | null = null;
  private readonly listeners = new Set<(event: string, data: unknown) => void>();

  constructor(
    readonly options: AriOptions,
    private readonly log: Logger,
    // Tests observe calls with ChannelDialplan events, which the product has no use for.
    private readonly forwarded: readonly string[] = FORWARDED_EVENTS,
  ) {}

  get connected(): boolean {
    return this.connectedState;
  }

  // A binary resource (a stored recording's audio): GET only, no JSON.
  async download(path: string, timeoutMs = 30_000): Promise<Buffer> {
    let res: Response;
    try {
      res = await fetch(`${this.options.url}/ari${path}`, {
        headers: { authorization: this.authorization() },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new AriUnreachableError(err instanceof Error ? err.message : String(err));
    }
    if (!res.ok) throw new AriError(res.status, `ARI GET ${path}: ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  }

  private authorization(): string {
    return `Basic ${Buffer.from(`${this.options.username}:${this.options.password}`).toString('base64')}`;
  }

  async request<T = unknown>(method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<T> {
    const headers: Record<string, string> = { authorization: this.authorization() };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.options.url}/ari${path}`, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      this.started = null;
      throw new AriUnreachableError(
        err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err),
      );
    }
    const text = await res.text();
    if (!res.ok) {
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        // a non-JSON error body is kept as text
      }
      throw new AriError(res.status, `ARI ${method} ${path}: ${res.status} ${message}`.trim());
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  info(): Promise<{
    system?: { version?: string };
    status?: { startup_time?: string; last_reload_time?: string };
  }> {
    return this.request('GET', '/asterisk/info', undefined, 5_000);
  }

  // Identifies the running Asterisk process: memory-wizard objects die with it. Cached until the
  // event websocket drops, which is how a restart shows itself.
  async startedAt(): Promise<string> {
    if (!this.started) {
      const info = await this.info();
      this.started = info.status?.startup_time ?? 'unknown';
    }
    return this.started;
  }

  // Synchronous in Asterisk: reloading res_pjsip with 50,000 extensions takes longer than the
  // default 30 s on two cores, and giving up early would roll back onto a reload still running.
  async reloadModule(module: string): Promise<void> {
    await this.request('PUT', `/asterisk/modules/${encodeURIComponent(module)}`, undefined, 300_000);
  }

  async pushObject(
    configClass: string,
    type: string,
    id: string,
    fields: readonly ConfigField[],
  ): Promise<void> {
    await this.request('PUT', dynamicPath(configClass, type, id), {
      fields: fields.map(([attribute, value]) => ({ attribute, value })),
    });
  }

  async deleteObject(configClass: string, type: string, id: string): Promise<boolean> {
    try {
      await this.request('DELETE', dynamicPath(configClass, type, id));
      return true;
    } catch (err) {
      // 404: no such object; 403: only the file has it (there is no memory copy to delete).
      if (err instanceof AriError && (err.status === 404 || err.status === 403)) return false;
      throw err;
    }
  }

  async objectExists(configClass: string, type: string, id: string): Promise<boolean> {
    try {
      await this.request('GET', dynamicPath(configClass, type, id), undefined, 5_000);
      return true;
    } catch (err) {
      if (err instanceof AriError && err.status === 404) return false;
      throw err;
    }
  }

  async getEndpoint(technology: string, resource: string): Promise<AriEndpoint | null> {
    try {
      return await this.request<AriEndpoint>(
        'GET',
        `/endpoints/${encodeURIComponent(technology)}/${encodeURIComponent(resource)}`,
        undefined,
        5_000,
      );
    } catch (err) {
      if (err instanceof AriError && err.status === 404) return null;
      throw err;
    }
  }

  listEndpoints(technology: string): Promise<AriEndpoint[]> {
    return this.request<AriEndpoint[]>(
      'GET',
      `/endpoints/${encodeURIComponent(technology)}`,
      undefined,
      60_000,
    );
  }

  async getObject(configClass: string, type: string, id: string): Promise<Record<string, string> | null> {
    try {
      const fields = await this.request<Array<{ attribute: string; value: string }>>(
        'GET',
        dynamicPath(configClass, type, id),
        undefined,
        5_000,
      );
      return Object.fromEntries(fields.map((f) => [f.attribute, f.value]));
    } catch (err) {
      if (err instanceof AriError && err.status === 404) return null;
      throw err;
    }
  }

  onEvent(listener: (event: string, data: unknown) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // Keeps the event websocket up for the life of the process: Asterisk restarts are routine.
  // Resolves once connected (or stopped); later drops are reconnected by the socket itself.
  async startEvents(): Promise<void> {
    this.events ??= new AriEventSocket({
      url: this.options.url,
      username: this.options.username,
      password: this.options.password,
      app: this.options.app,
      subscribeAll: true,
      onEvent: (event) => {
        if (!this.forwarded.includes(event.type)) return;
        for (const l of this.listeners) l(event.type, event);
      },
      onConnected: (connected) => this.setConnected(connected),
      onRetry: (err, retryInMs) => this.log.warn({ err: err.message, retryInMs }, 'ARI connect failed'),
      onError: (err) => this.log.warn({ err: err.message }, 'ARI event not handled'),
    });
    await this.events.start();
  }

  private setConnected(value: boolean): void {
    if (value !== this.connectedState) this.log.info({ connected: value }, 'ARI event connection');
    if (value !== this.connectedState) this.started = null;
    this.connectedState = value;
  }

  async stop(): Promise<void> {
    this.setConnected(false);
    const mayHoldApp = (await this.events?.stop()) ?? false;
    if (mayHoldApp) await this.appReleased(5_000);
  }

  // Asterisk unregisters the Stasis app when it notices the closed socket. A Switchboard started
  // right after this one registers the same app name; had the old session's clean-up come after
  // that, it would unregister the new registration and leave the new process connected but deaf
  // (no StasisStart, no ChannelDestroyed). So stopping ends once Asterisk has let go of the app.
  private async appReleased(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const path = `/applications/${encodeURIComponent(this.options.app)}`;
    for (;;) {
      try {
        await this.request('GET', path, undefined, 1_000);
      } catch {
        // 404: released. Anything else (Asterisk gone, refused): nothing left to release.
        return;
      }
      if (Date.now() > deadline) {
        this.log.warn(
          { app: this.options.app },
          'Asterisk still lists the Stasis app after the socket closed',
        );
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

function dynamicPath(configClass: string, type: string, id: string): string {
  return `/asterisk/config/dynamic/${encodeURIComponent(configClass)}/${encodeURIComponent(type)}/${encodeURIComponent(id)}`;
}
