import * as http from 'node:http';
import * as https from 'node:https';
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

// The fields Switchboard reads of ARI's models (Asterisk 22); ARI sends more.
export interface AriChannel {
  id: string;
  name: string;
  state: string;
  caller?: { name?: string; number?: string };
  connected?: { name?: string; number?: string };
  creationtime?: string;
  dialplan?: { context?: string; exten?: string; priority?: number; app_name?: string; app_data?: string };
}

export interface AriBridge {
  id: string;
  bridge_type?: string;
  channels: string[];
}

export interface AriPlayback {
  id: string;
  media_uri?: string;
  state?: string;
}

export interface AriLiveRecording {
  name: string;
  format?: string;
  state?: string;
}

export interface AriApplication {
  name: string;
  channel_ids?: string[];
  bridge_ids?: string[];
  endpoint_ids?: string[];
  device_names?: string[];
}

export interface AriModule {
  name: string;
  status?: string;
}

export interface OriginateOptions {
  endpoint: string;
  app: string;
  appArgs?: string;
  callerId?: string;
  // -1: no limit.
  timeoutSeconds?: number;
  channelId?: string;
  // The other half's id when the endpoint is a Local channel.
  otherChannelId?: string;
  variables?: Record<string, string>;
}

export interface RecordOptions {
  name: string;
  format: string;
  maxDurationSeconds?: number;
  beep?: boolean;
  terminateOn?: 'none' | 'any' | '*' | '#';
  ifExists?: 'fail' | 'overwrite' | 'append';
}

export type HangupReason = 'normal' | 'busy' | 'congestion' | 'no_answer' | 'timeout' | 'rejected';

// The only module that knows ARI's wire format. REST calls go through fetch (typed, with
// timeouts), one method per call Switchboard makes; the event websocket and its reconnects go
// through AriEventSocket (ari-events.ts).
// Events handed to onEvent listeners: registration state, and the channel events of calls that
// Switchboard itself handles in Stasis (feature codes, recording or playing greetings by phone);
// ChannelUserevent carries the dialplan's own notices (the spend guard's alerts).
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
  'ChannelUserevent',
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

  // A binary resource: GET only, no JSON. Public, like request(), for tests.
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

  // The raw primitive every typed method below goes through. Product code calls the typed
  // methods; this stays public for tests, which also make calls the product does not (snoop...).
  async request<T = unknown>(method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let answer: { status: number; text: string };
    try {
      answer = await send(`${this.options.url}/ari${path}`, {
        method,
        authorization: this.authorization(),
        payload,
        timeoutMs,
      });
    } catch (err) {
      this.started = null;
      throw new AriUnreachableError(err instanceof Error ? err.message : String(err));
    }
    const { status, text } = answer;
    if (status < 200 || status >= 300) {
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        // a non-JSON error body is kept as text
      }
      throw new AriError(status, `ARI ${method} ${path}: ${status} ${message}`.trim());
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  // ---- asterisk

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

  getModule(module: string): Promise<AriModule> {
    return this.request('GET', ariPath`/asterisk/modules/${module}`);
  }

  // Synchronous in Asterisk: reloading res_pjsip with 50,000 extensions takes longer than the
  // default 30 s on two cores, and giving up early would roll back onto a reload still running.
  async reloadModule(module: string): Promise<void> {
    await this.request('PUT', ariPath`/asterisk/modules/${module}`, undefined, 300_000);
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
    return found(await notFound(this.request('GET', dynamicPath(configClass, type, id), undefined, 5_000)));
  }

  async getEndpoint(technology: string, resource: string): Promise<AriEndpoint | null> {
    const endpoint = await notFound(
      this.request<AriEndpoint>('GET', ariPath`/endpoints/${technology}/${resource}`, undefined, 5_000),
    );
    return endpoint === NOT_FOUND ? null : endpoint;
  }

  listEndpoints(technology: string): Promise<AriEndpoint[]> {
    return this.request('GET', ariPath`/endpoints/${technology}`, undefined, 60_000);
  }

  async getObject(configClass: string, type: string, id: string): Promise<Record<string, string> | null> {
    const fields = await notFound(
      this.request<Array<{ attribute: string; value: string }>>(
        'GET',
        dynamicPath(configClass, type, id),
        undefined,
        5_000,
      ),
    );
    return fields === NOT_FOUND ? null : Object.fromEntries(fields.map((f) => [f.attribute, f.value]));
  }

  // ---- applications

  // Throws on 404 too: the app is not registered (no event websocket for it right now).
  application(app: string, timeoutMs = 5_000): Promise<AriApplication> {
    return this.request('GET', ariPath`/applications/${app}`, undefined, timeoutMs);
  }

  // eventSource as ARI spells it: `channel:` (every channel), `channel:<id>`, `endpoint:PJSIP/1001`...
  async subscribe(app: string, eventSource: string): Promise<void> {
    await this.request(
      'POST',
      withQuery(ariPath`/applications/${app}/subscription`, { eventSource }),
      undefined,
      5_000,
    );
  }

  // ---- channels

  listChannels(): Promise<AriChannel[]> {
    return this.request('GET', '/channels', undefined, 5_000);
  }

  // null: no such channel (it ended, or never existed).
  async getChannel(channelId: string): Promise<AriChannel | null> {
    const channel = await notFound(this.request<AriChannel>('GET', ariPath`/channels/${channelId}`));
    return channel === NOT_FOUND ? null : channel;
  }

  // A new channel dialling `endpoint`, handed to Stasis `app` once answered. Channel variables
  // go in the body (any characters), the rest in the query.
  originate(o: OriginateOptions): Promise<AriChannel> {
    const path = withQuery('/channels', {
      endpoint: o.endpoint,
      app: o.app,
      appArgs: o.appArgs,
      callerId: o.callerId,
      timeout: o.timeoutSeconds === undefined ? undefined : String(o.timeoutSeconds),
      channelId: o.channelId,
      otherChannelId: o.otherChannelId,
    });
    return this.request('POST', path, o.variables === undefined ? undefined : { variables: o.variables });
  }

  // false: the channel was already gone (404).
  async hangup(channelId: string, reason?: HangupReason): Promise<boolean> {
    return found(
      await notFound(this.request('DELETE', withQuery(ariPath`/channels/${channelId}`, { reason }))),
    );
  }

  async answer(channelId: string): Promise<void> {
    await this.request('POST', ariPath`/channels/${channelId}/answer`);
  }

  // Leaves Stasis for the dialplan (e.g. VoiceMailMain once Switchboard has checked the PIN).
  async continueInDialplan(channelId: string, context: string, extension: string): Promise<void> {
    await this.request(
      'POST',
      withQuery(ariPath`/channels/${channelId}/continue`, { context, extension, priority: '1' }),
    );
  }

  // The media in order, as one playback whose id the Playback* events carry.
  play(channelId: string, playbackId: string, media: readonly string[]): Promise<AriPlayback> {
    return this.request('POST', withQuery(ariPath`/channels/${channelId}/play/${playbackId}`, { media }));
  }

  // false: the playback had already finished (404).
  async stopPlayback(playbackId: string): Promise<boolean> {
    return found(await notFound(this.request('DELETE', ariPath`/playbacks/${playbackId}`)));
  }

  async startMoh(channelId: string): Promise<void> {
    await this.request('POST', ariPath`/channels/${channelId}/moh`);
  }

  async stopMoh(channelId: string): Promise<void> {
    await this.request('DELETE', ariPath`/channels/${channelId}/moh`);
  }

  record(channelId: string, o: RecordOptions): Promise<AriLiveRecording> {
    const path = withQuery(ariPath`/channels/${channelId}/record`, {
      name: o.name,
      format: o.format,
      maxDurationSeconds: o.maxDurationSeconds === undefined ? undefined : String(o.maxDurationSeconds),
      beep: o.beep === undefined ? undefined : String(o.beep),
      terminateOn: o.terminateOn,
      ifExists: o.ifExists,
    });
    return this.request('POST', path);
  }

  // A channel variable or a writable dialplan function, e.g. CHANNEL(language).
  async setChannelVar(channelId: string, variable: string, value: string): Promise<void> {
    await this.request('POST', withQuery(ariPath`/channels/${channelId}/variable`, { variable, value }));
  }

  // ---- bridges

  listBridges(): Promise<AriBridge[]> {
    return this.request('GET', '/bridges', undefined, 5_000);
  }

  createBridge(bridgeId: string, type: 'mixing'): Promise<AriBridge> {
    return this.request('POST', withQuery(ariPath`/bridges/${bridgeId}`, { type }));
  }

  async addChannel(bridgeId: string, channelIds: readonly string[]): Promise<void> {
    await this.request(
      'POST',
      withQuery(ariPath`/bridges/${bridgeId}/addChannel`, { channel: channelIds.join(',') }),
    );
  }

  // false: no such bridge (404).
  async destroyBridge(bridgeId: string): Promise<boolean> {
    return found(await notFound(this.request('DELETE', ariPath`/bridges/${bridgeId}`)));
  }

  // ---- recordings

  storedRecordingFile(name: string): Promise<Buffer> {
    return this.download(ariPath`/recordings/stored/${name}/file`);
  }

  // false: no such recording (404).
  async deleteStoredRecording(name: string): Promise<boolean> {
    return found(await notFound(this.request('DELETE', ariPath`/recordings/stored/${name}`)));
  }

  // ---- events

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
    for (;;) {
      try {
        await this.application(this.options.app, 1_000);
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

// ARI's REST calls go through node:http, not fetch: an apply that changes every endpoint of
// 10,000 pushes each one (10,000 sequential PUTs), and fetch's per-request objects (streams,
// signals, Response bodies released by a FinalizationRegistry) outlived their request long enough
// to grow the heap by ~200 MB; the same PUTs through node:http leave ~10 MB. One keep-alive pool
// per process, like fetch's global one: every Ari instance shares the connections Asterisk's
// session limit counts. Idle sockets are closed after 5 s, before Asterisk's own 15 s.
const AGENTS = {
  'http:': new http.Agent({ keepAlive: true, timeout: 5_000 }),
  'https:': new https.Agent({ keepAlive: true, timeout: 5_000 }),
};

function send(
  url: string,
  opts: { method: string; authorization: string; payload: string | undefined; timeoutMs: number },
  retried = false,
): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  const agent = target.protocol === 'https:' ? AGENTS['https:'] : AGENTS['http:'];
  const headers: Record<string, string | number> = { authorization: opts.authorization };
  if (opts.payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = Buffer.byteLength(opts.payload);
  }
  return new Promise((resolve, reject) => {
    const req = client.request(target, { method: opts.method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', fail);
    });
    const timer = setTimeout(
      () => req.destroy(new Error(`no answer in ${opts.timeoutMs} ms`)),
      opts.timeoutMs,
    );
    function fail(err: Error & { code?: string }) {
      clearTimeout(timer);
      // A kept-alive connection Asterisk closed just as it was reused: the request never reached
      // it, so it is sent once more on a new connection (what node's documentation advises).
      if (req.reusedSocket && !retried && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
        send(url, opts, true).then(resolve, reject);
        return;
      }
      reject(err);
    }
    req.on('error', fail);
    req.end(opts.payload);
  });
}

function dynamicPath(configClass: string, type: string, id: string): string {
  return ariPath`/asterisk/config/dynamic/${configClass}/${type}/${id}`;
}

// The one place a path is built: every interpolated value is one path segment, escaped (a `/`,
// `?` or `#` in an id cannot reach another resource).
export function ariPath(strings: TemplateStringsArray, ...segments: readonly string[]): string {
  let path = strings[0]!;
  segments.forEach((segment, i) => {
    path += encodeURIComponent(segment) + strings[i + 1]!;
  });
  return path;
}

// Query parameters: undefined ones are left out, an array repeats the parameter.
export function withQuery(
  path: string,
  params: Record<string, string | readonly string[] | undefined>,
): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    for (const v of typeof value === 'string' ? [value] : value) query.append(name, v);
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

// The one error mapping for "no such resource": ARI's 404 becomes NOT_FOUND, anything else throws.
const NOT_FOUND: unique symbol = Symbol('not found');

async function notFound<T>(call: Promise<T>): Promise<T | typeof NOT_FOUND> {
  try {
    return await call;
  } catch (err) {
    if (err instanceof AriError && err.status === 404) return NOT_FOUND;
    throw err;
  }
}

function found(result: unknown): boolean {
  return result !== NOT_FOUND;
}
