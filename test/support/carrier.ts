import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AriEventSocket } from '../../src/asterisk/ari-events';
import { testEnv } from './env';

// The "carrier": a second Asterisk (its own chroot, config in test/carrier/asterisk-config) that
// plays two SIP carriers for Switchboard's trunk tests.
//
//   carrier A  127.0.0.2:5060  Switchboard registers and calls as sb-a / carrier-pass-a
//   carrier B  127.0.0.3:5060  Switchboard registers and calls as sb-b / carrier-pass-b
//   unknown    127.0.0.4:5060  only calls out: Switchboard knows no trunk there
//
// Calls Switchboard sends are recorded in carrier globals (CARRIER_LAST, CARRIER_CALLS, ...; see
// test/carrier/asterisk-config/extensions.conf) that this module reads over the carrier's ARI.
// Calls *to* Switchboard are originated over that ARI, from A's, B's or the unknown address.

const run = promisify(execFile);

export const carrierEnv = {
  sandboxDir: process.env['CARRIER_SANDBOX_DIR'] ?? '/var/cache/switchboard/asterisk-carrier',
  ariPort: Number(process.env['CARRIER_ARI_PORT'] ?? 8095),
  ariUsername: process.env['CARRIER_ARI_USERNAME'] ?? 'switchboard',
  ariPassword: process.env['CARRIER_ARI_PASSWORD'] ?? 'carrier',
  configSrc: join(__dirname, '..', 'carrier', 'asterisk-config'),
  // The Stasis application originated calls are handed to once answered (and whose events we get).
  app: 'carrier',
};

export type CarrierName = 'a' | 'b';
export type Via = 'a' | 'b' | 'x';

// What Switchboard's trunks must be configured with to reach each carrier.
export const CARRIERS = {
  a: { host: '127.0.0.2', port: 5060, username: 'sb-a', password: 'carrier-pass-a', endpoint: 'sb-a' },
  b: { host: '127.0.0.3', port: 5060, username: 'sb-b', password: 'carrier-pass-b', endpoint: 'sb-b' },
} as const;

export const VIA_ADDRESS: Record<Via, string> = { a: '127.0.0.2', b: '127.0.0.3', x: '127.0.0.4' };

export interface CarrierCall {
  endpoint: string; // sb-a or sb-b: which customer account the call came in on
  number: string; // the number Switchboard dialled (the INVITE's user part)
  callerId: string; // the caller ID number Switchboard sent
}

export interface InboundFate {
  answered: boolean;
  // Q.850 cause of the carrier's leg once it is gone (16 normal clearing, 21 rejected, 1 unallocated,
  // 17 busy, 34 congestion...), null while it is up or if Asterisk did not say.
  cause: number | null;
  causeText: string | null;
  // Channel states seen, in order (Down, Ringing, Up...).
  states: string[];
}

export interface InboundCall {
  channelId: string;
  // Resolves when the far end (Switchboard) answers; rejects when the channel dies unanswered or
  // at the deadline.
  answered(timeoutMs?: number): Promise<void>;
  // Resolves once the carrier's channel is gone, answered or not; rejects at the deadline.
  ended(timeoutMs?: number): Promise<InboundFate>;
  // The fate so far (answered may already be true while the call is still up).
  readonly fate: InboundFate;
  readonly gone: boolean;
  // The carrier hangs up (no-op once gone).
  hangup(): Promise<void>;
}

export interface Carrier {
  ari<T = unknown>(method: string, path: string): Promise<T>;
  variable(name: string): Promise<string>;
  setVariable(name: string, value: string): Promise<void>;
  calls(): Promise<number>;
  last(): Promise<CarrierCall | null>;
  // The carrier address the last call arrived at ("127.0.0.2:5060" = A, "127.0.0.3:5060" = B).
  lastAddress(): Promise<string>;
  // Every call received since start (or the last reset()), oldest first.
  log(): Promise<CarrierCall[]>;
  // Forgets recorded calls and restores the knobs (answer every call, hold it CARRIER_HOLD s).
  reset(): Promise<void>;
  // Carrier `name` refuses Switchboard's calls with this Q.850 cause (34 → 503, 17 → 486) until
  // reset; null answers again.
  rejectCalls(name: CarrierName, cause: number | null): Promise<void>;
  // The contacts Switchboard has registered at carrier A or B right now.
  registrationsAt(name: CarrierName): Promise<string[]>;
  // A call from the carrier to Switchboard (127.0.0.1, SIP_PORT) for `did`, sent from A's, B's or
  // the unknown address.
  originateInbound(opts: {
    did: string;
    callerId: string;
    callerName?: string;
    via: Via;
  }): Promise<InboundCall>;
  // Hangs up every channel the carrier has (calls from and to Switchboard).
  hangupAll(): Promise<void>;
  cli(command: string): Promise<string>;
  consoleLog(lines?: number): Promise<string>;
  stop(): Promise<void>;
}

function scriptEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SANDBOX_DIR: carrierEnv.sandboxDir,
    ARI_PORT: String(carrierEnv.ariPort),
    CONFIG_SRC: carrierEnv.configSrc,
    ARI_USERNAME: carrierEnv.ariUsername,
    ARI_PASSWORD: carrierEnv.ariPassword,
  };
  // The carrier's config has its own addresses and RTP range; the main sandbox's overrides must not
  // be applied to it.
  delete env['SIP_PORT'];
  delete env['RTP_START'];
  return env;
}

async function script(args: string[], timeout: number): Promise<string> {
  try {
    const { stdout } = await run('bash', [testEnv.sandboxScript, ...args], { env: scriptEnv(), timeout });
    return stdout;
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(
      `carrier sandbox ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`,
    );
  }
}

// Starts (or restarts, clean: no registrations survive) the carrier Asterisk and connects to its
// ARI events. The first start provisions the chroot (~45 s).
export async function startCarrier(): Promise<Carrier> {
  await script(['start', '--clean'], 240_000);
  const baseUrl = `http://127.0.0.1:${carrierEnv.ariPort}`;
  const authHeader = `Basic ${Buffer.from(`${carrierEnv.ariUsername}:${carrierEnv.ariPassword}`).toString('base64')}`;

  async function ari<T = unknown>(method: string, path: string): Promise<T> {
    const res = await fetch(`${baseUrl}/ari${path}`, {
      method,
      headers: { authorization: authHeader },
      signal: AbortSignal.timeout(5_000),
    });
    const text = await res.text();
    if (!res.ok) {
      const err = new Error(`carrier ARI ${method} ${path}: ${res.status} ${text}`) as Error & {
        status: number;
      };
      err.status = res.status;
      throw err;
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  // Events of the originated channels (they belong to our Stasis app from creation).
  const tracked = new Map<string, Tracked>();
  const events = new AriEventSocket({
    url: baseUrl,
    username: carrierEnv.ariUsername,
    password: carrierEnv.ariPassword,
    app: carrierEnv.app,
    subscribeAll: false,
    onEvent(event) {
      const e = event as CarrierChannelEvent;
      const t = e.channel ? tracked.get(e.channel.id) : undefined;
      if (!t) return;
      if (e.type === 'ChannelStateChange') t.state(e.channel!.state);
      else if (e.type === 'ChannelDestroyed') t.destroyed(e.cause, e.cause_txt);
    },
  });
  // The socket retries for as long as it is wanted; a carrier whose ARI never answers fails the
  // suite's setup instead.
  let timer: NodeJS.Timeout | undefined;
  const opened = await Promise.race([
    events.start().then(() => true),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), 30_000);
    }),
  ]).finally(() => clearTimeout(timer));
  if (!opened) {
    await events.stop();
    throw new Error('the carrier ARI event websocket did not open within 30 s');
  }

  const variable = async (name: string) =>
    (await ari<{ value: string }>('GET', `/asterisk/variable?variable=${encodeURIComponent(name)}`)).value ??
    '';
  const setVariable = async (name: string, value: string) => {
    await ari(
      'POST',
      `/asterisk/variable?variable=${encodeURIComponent(name)}&value=${encodeURIComponent(value)}`,
    );
  };
  const parseCall = (s: string): CarrierCall | null => {
    if (!s) return null;
    const [endpoint = '', number = '', callerId = ''] = s.split('|');
    return { endpoint, number, callerId };
  };

  const carrier: Carrier = {
    ari,
    variable,
    setVariable,
    async calls() {
      return Number((await variable('CARRIER_CALLS')) || 0);
    },
    async last() {
      return parseCall(await variable('CARRIER_LAST'));
    },
    lastAddress: () => variable('CARRIER_LAST_ADDR'),
    async log() {
      return (await variable('CARRIER_LOG'))
        .split('~')
        .filter(Boolean)
        .map((s) => parseCall(s) as CarrierCall);
    },
    async reset() {
      for (const name of ['CARRIER_LAST', 'CARRIER_LAST_ADDR', 'CARRIER_LAST_NAME', 'CARRIER_LOG']) {
        await setVariable(name, '');
      }
      await carrier.rejectCalls('a', null);
      await carrier.rejectCalls('b', null);
    },
    async rejectCalls(name, cause) {
      await setVariable(`CARRIER_REJECT_${name}`, cause === null ? '' : String(cause));
    },
    async registrationsAt(name) {
      // The AOR's contact list as the carrier holds it (its registrar's view).
      const fields = await ari<Array<{ attribute: string; value: string }>>(
        'GET',
        `/asterisk/config/dynamic/res_pjsip/aor/${CARRIERS[name].endpoint}`,
      );
      const contact = fields.find((f) => f.attribute === 'contact')?.value ?? '';
      return contact.split(',').filter(Boolean);
    },
    async originateInbound({ did, callerId, callerName, via }) {
      const channelId = `carrier-${randomBytes(6).toString('hex')}`;
      const t = new Tracked(channelId, ari);
      tracked.set(channelId, t);
      const cid = callerName ? `"${callerName}" <${callerId}>` : callerId;
      const query = new URLSearchParams({
        // The request URI explicitly: Switchboard's SIP port follows SIP_PORT (the endpoint's AOR
        // has the default, 127.0.0.1:5060); the endpoint still picks the source address.
        endpoint: `PJSIP/to-switchboard-${via}/sip:${did}@127.0.0.1:${testEnv.sipPort}`,
        app: carrierEnv.app,
        callerId: cid,
        channelId,
        timeout: '30',
      });
      try {
        await ari('POST', `/channels?${query}`);
      } catch (err) {
        tracked.delete(channelId);
        throw err;
      }
      t.startPolling();
      return t.handle();
    },
    async hangupAll() {
      const channels = await ari<Array<{ id: string }>>('GET', '/channels');
      for (const c of channels) await ari('DELETE', `/channels/${c.id}`).catch(() => undefined);
      const deadline = Date.now() + 5_000;
      while ((await ari<unknown[]>('GET', '/channels')).length > 0 && Date.now() < deadline) {
        await sleep(100);
      }
    },
    async cli(command) {
      return script(['cli', command], 30_000);
    },
    async consoleLog(lines = 60) {
      const { stdout } = await run('tail', [
        '-n',
        String(lines),
        join(carrierEnv.sandboxDir, 'var/log/asterisk/console.log'),
      ]);
      return stdout;
    },
    async stop() {
      for (const t of tracked.values()) t.dispose();
      tracked.clear();
      await events.stop().catch(() => undefined);
      await script(['stop'], 30_000);
    },
  };
  return carrier;
}

// The fields read of the carrier's channel events.
interface CarrierChannelEvent {
  type: string;
  channel?: { id: string; state: string };
  cause?: number;
  cause_txt?: string;
}

// One originated call: its states from ARI events, with polling of GET /channels/{id} as a
// backstop (an event lost to a websocket hiccup must not turn into a hung test).
class Tracked {
  readonly fate: InboundFate = { answered: false, cause: null, causeText: null, states: [] };
  gone = false;
  private waiters: Array<() => void> = [];
  private poller: NodeJS.Timeout | null = null;

  constructor(
    readonly channelId: string,
    private readonly ari: <T>(method: string, path: string) => Promise<T>,
  ) {}

  state(s: string): void {
    if (this.fate.states.at(-1) !== s) this.fate.states.push(s);
    if (s === 'Up') this.fate.answered = true;
    this.notify();
  }

  destroyed(cause: number | undefined, causeText: string | undefined): void {
    if (typeof cause === 'number') this.fate.cause = cause;
    if (causeText) this.fate.causeText = causeText;
    this.markGone();
  }

  private markGone(): void {
    if (!this.gone) {
      this.gone = true;
      this.dispose();
    }
    this.notify();
  }

  startPolling(): void {
    this.poller = setInterval(() => {
      this.ari<{ state: string }>('GET', `/channels/${this.channelId}`).then(
        (c) => this.state(c.state),
        (err: Error & { status?: number }) => {
          if (err.status !== 404) return;
          // Give the ChannelDestroyed event (with the cause) a moment to win the race.
          setTimeout(() => this.markGone(), 300);
        },
      );
    }, 250);
  }

  dispose(): void {
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private until(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `carrier call ${this.channelId}: timed out waiting for ${what} (${describe(this.fate)})`,
            ),
          ),
        timeoutMs,
      );
      const check = () => {
        if (done()) {
          clearTimeout(timer);
          resolve();
        } else {
          this.waiters.push(check);
        }
      };
      check();
    });
  }

  handle(): InboundCall {
    const self = this;
    return {
      channelId: this.channelId,
      get fate() {
        return self.fate;
      },
      get gone() {
        return self.gone;
      },
      async answered(timeoutMs = 15_000) {
        await self.until('the answer', () => self.fate.answered || self.gone, timeoutMs);
        if (!self.fate.answered) {
          throw new Error(`carrier call ${self.channelId} ended unanswered (${describe(self.fate)})`);
        }
      },
      async ended(timeoutMs = 15_000) {
        await self.until('the call to end', () => self.gone, timeoutMs);
        return self.fate;
      },
      async hangup() {
        if (self.gone) return;
        await self.ari('DELETE', `/channels/${self.channelId}`).catch(() => undefined);
      },
    };
  }
}

function describe(f: InboundFate): string {
  return `states ${f.states.join('>') || '(none)'}, answered ${f.answered}, cause ${f.cause ?? '-'} ${f.causeText ?? ''}`.trim();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
