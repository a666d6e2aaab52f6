import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { type AsteriskArg, asteriskArg, type RegistrationLine } from './cli';
import type { AsteriskControl } from './control';
import { DEVICE_STATES, type ShownMember, type ShownQueue } from './queue-show';

// The Asterisk Manager Interface, for a Switchboard that reaches Asterisk over the network only
// (ASTERISK_CONTROL=ami). Hand-written rather than a dependency: the protocol is a few header
// lines per message, and what Switchboard needs (TLS with a pinned certificate, ActionID-correlated
// event lists, timeouts, reconnect) is less code than adapting a general event-emitter client.
// One connection, logged in with Events: off (only what our
// own actions produce comes back), opened on first use and again after any loss, including an
// action left unanswered (a silent connection is dropped, not waited on).

export interface AmiOptions {
  // tls://host:port (5039 by convention) or tcp://host:port (loopback only, see config.ts).
  url: string;
  username: string;
  secret: string;
  // PEM of the certificate (or CA) the server must present; the system CAs when absent.
  ca?: string;
  timeoutMs?: number;
}

type Message = Readonly<Record<string, string>>;

interface Pending {
  response: Message | null;
  events: Message[];
  resolve(r: { response: Message; events: Message[] }): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
  // The connection it was sent on: only that connection's loss fails it.
  socket: Socket;
}

export class AmiError extends Error {
  constructor(
    readonly action: string,
    readonly answer: string,
  ) {
    super(`AMI ${action}: ${answer}`);
  }
}

// Every header line we write, Login included: a CR or LF in a value would end the header and
// start another (an injected header, or a whole injected action after a blank line).
function checkFields(name: string, fields: Record<string, string>): void {
  if (!/^[A-Za-z]+$/.test(name)) throw new AmiError(name, 'refusing action name');
  for (const [k, v] of Object.entries(fields)) {
    if (/\p{Cc}/u.test(v) || !/^[A-Za-z]+$/.test(k)) throw new AmiError(name, `refusing field ${k}`);
  }
}

// Header names as Asterisk sends them, lower-cased.
function parseMessage(block: string): Message {
  const msg: Record<string, string> = {};
  for (const line of block.split('\r\n')) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const key = line.slice(0, i).trim().toLowerCase();
    // Repeated headers (rare, e.g. ChanVariable) are joined: nothing here reads them.
    const value = line.slice(i + 1).trim();
    msg[key] = key in msg ? `${msg[key]}\n${value}` : value;
  }
  return msg;
}

export class AmiClient {
  private socket: Socket | null = null;
  private connecting: Promise<Socket> | null = null;
  private buffer = '';
  private greeted = false;
  private readonly pending = new Map<string, Pending>();
  private seq = 0;
  private closed = false;
  private readonly timeoutMs: number;

  constructor(private readonly options: AmiOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  // One action; answers its response and, for a list action, the events up to the list's end.
  // Values are checked by the caller (asteriskArg); a line break here would start a new header.
  async action(
    name: string,
    fields: Record<string, string> = {},
  ): Promise<{ response: Message; events: Message[] }> {
    // Before connecting, so a refused action opens nothing; send() checks again for Login.
    checkFields(name, fields);
    if (this.closed) throw new AmiError(name, 'client closed');
    const socket = await this.connect();
    return this.send(socket, name, fields);
  }

  private send(
    socket: Socket,
    name: string,
    fields: Record<string, string>,
  ): Promise<{ response: Message; events: Message[] }> {
    const id = `sb-${++this.seq}`;
    return new Promise((resolve, reject) => {
      // A throw here rejects this promise: nothing is written.
      checkFields(name, fields);
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new AmiError(name, `no answer within ${this.timeoutMs} ms`));
        // Silence on a connection is what a vanished host looks like (no RST, and TCP retries
        // for ~15 min): drop it, so the next action connects anew rather than waiting on it too.
        this.drop(socket);
      }, this.timeoutMs);
      this.pending.set(id, { response: null, events: [], resolve, reject, timer, socket });
      const lines = [
        `Action: ${name}`,
        `ActionID: ${id}`,
        ...Object.entries(fields).map(([k, v]) => `${k}: ${v}`),
      ];
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
  }

  private connect(): Promise<Socket> {
    if (this.socket) return Promise.resolve(this.socket);
    this.connecting ??= this.open().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private open(): Promise<Socket> {
    const url = new URL(this.options.url);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port || (url.protocol === 'tls:' ? 5039 : 5038));
    return new Promise<Socket>((resolve, reject) => {
      const socket =
        url.protocol === 'tls:'
          ? tlsConnect({
              host,
              port,
              servername: /^[0-9.:]+$/.test(host) ? undefined : host,
              ...(this.options.ca ? { ca: this.options.ca } : {}),
            })
          : netConnect({ host, port });
      socket.setEncoding('utf8');
      // An idle connection to a host that vanished is noticed without waiting for an action.
      socket.setKeepAlive(true, 10_000);
      // Idle, the connection must not keep the process alive; a pending action's timer does.
      socket.unref();
      const fail = (err: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new AmiError('connect', err.message));
      };
      const timer = setTimeout(
        () => fail(new Error(`no greeting within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      this.buffer = '';
      this.greeted = false;
      socket.on('data', (chunk: string) => this.receive(chunk, socket));
      socket.on('error', (err) => fail(err));
      socket.on('close', () => this.lost(socket));
      const ready = url.protocol === 'tls:' ? 'secureConnect' : 'connect';
      socket.once(ready, () => {
        this.send(socket, 'Login', {
          Username: this.options.username,
          Secret: this.options.secret,
          Events: 'off',
        }).then(({ response }) => {
          clearTimeout(timer);
          if (response['response'] !== 'Success') {
            socket.destroy();
            reject(new AmiError('Login', response['message'] ?? 'refused'));
            return;
          }
          this.socket = socket;
          resolve(socket);
        }, fail);
      });
    });
  }

  private receive(chunk: string, socket: Socket): void {
    if (socket !== this.socket && this.socket !== null) return;
    this.buffer += chunk;
    if (!this.greeted) {
      // "Asterisk Call Manager/11.0.0\r\n": one line, before any message.
      const eol = this.buffer.indexOf('\r\n');
      if (eol < 0) return;
      this.greeted = true;
      this.buffer = this.buffer.slice(eol + 2);
    }
    for (let end = this.buffer.indexOf('\r\n\r\n'); end >= 0; end = this.buffer.indexOf('\r\n\r\n')) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 4);
      if (block.trim() !== '') this.dispatch(parseMessage(block));
    }
  }

  private dispatch(msg: Message): void {
    const id = msg['actionid'];
    const p = id === undefined ? undefined : this.pending.get(id);
    if (!p || id === undefined) return;
    const listEnd = (msg['eventlist'] ?? '').toLowerCase() === 'complete';
    if (msg['response'] !== undefined) {
      p.response = msg;
      // A list action answers "EventList: start" and its events follow; an error has none.
      if ((msg['eventlist'] ?? '').toLowerCase() === 'start' && msg['response'] === 'Success') return;
    } else if (msg['event'] !== undefined && !listEnd) {
      p.events.push(msg);
      return;
    } else if (!listEnd) {
      return;
    }
    this.pending.delete(id);
    clearTimeout(p.timer);
    p.resolve({ response: p.response ?? msg, events: p.events });
  }

  // At once, not on 'close': an action started meanwhile must not be written to this socket.
  private drop(socket: Socket): void {
    if (this.socket === socket) this.socket = null;
    socket.destroy();
  }

  private lost(socket: Socket): void {
    if (this.socket === socket) this.socket = null;
    for (const [id, p] of this.pending) {
      if (p.socket !== socket) continue;
      this.pending.delete(id);
      clearTimeout(p.timer);
      p.reject(new AmiError('connection', 'closed by Asterisk'));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const socket = this.socket;
    this.socket = null;
    if (!socket) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end('Action: Logoff\r\n\r\n');
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, 1_000).unref();
    });
  }
}

const int = (v: string | undefined) => {
  const n = Number.parseInt(v ?? '', 10);
  return Number.isFinite(n) ? n : 0;
};

// QueueStatus events → the queues as `queue show` would list them.
export function queuesFromStatus(events: readonly Message[], nowSeconds: number): Map<string, ShownQueue> {
  const queues = new Map<string, ShownQueue>();
  const queue = (name: string) => {
    let q = queues.get(name);
    if (!q) {
      q = { name, strategy: '', members: [], callers: [] };
      queues.set(name, q);
    }
    return q;
  };
  for (const e of events) {
    const name = e['queue'];
    if (!name) continue;
    if (e['event'] === 'QueueParams') queue(name).strategy = e['strategy'] ?? '';
    else if (e['event'] === 'QueueMember') {
      const iface = e['location'] ?? e['interface'] ?? '';
      const lastCall = int(e['lastcall']);
      const member: ShownMember = {
        name: e['name'] ?? e['membername'] ?? iface,
        interface: iface,
        extension: /^PJSIP\/([0-9]+)$/.exec(iface)?.[1] ?? null,
        penalty: int(e['penalty']),
        dynamic: e['membership'] === 'dynamic',
        paused: e['paused'] === '1',
        pauseReason: e['paused'] === '1' && e['pausedreason'] ? e['pausedreason'] : null,
        deviceState: DEVICE_STATES[int(e['status'])] ?? 'Unknown',
        inCall: e['incall'] === '1',
        callsTaken: int(e['callstaken']),
        // The Asterisk host's clock against ours: a skew shifts this, never below zero.
        lastCallSecondsAgo: lastCall > 0 ? Math.max(0, nowSeconds - lastCall) : null,
      };
      queue(name).members.push(member);
    } else if (e['event'] === 'QueueEntry') {
      queue(name).callers.push({
        position: int(e['position']),
        channel: e['channel'] ?? '',
        waitSeconds: int(e['wait']),
        priority: int(e['priority']),
      });
    }
  }
  for (const q of queues.values()) q.callers.sort((a, b) => a.position - b.position);
  return queues;
}

// The AMI user needs write classes `agent` (QueueAdd/Remove/Pause/Penalty) and `system`
// (DBPut/DBDel/DBGetTree, PJSIPShowRegistrationsOutbound); QueueStatus needs none, and no read
// class is needed since no event is subscribed (docs/security.md).
export class AmiControl implements AsteriskControl {
  readonly via = 'ami' as const;
  private readonly ami: AmiClient;

  constructor(options: AmiOptions) {
    this.ami = new AmiClient(options);
  }

  private arg(kind: AsteriskArg, value: string | number): string {
    return asteriskArg(kind, value, 'an AMI action');
  }

  // One action whose success is "Response: Success"; an Error whose message is in `fine`
  // (the wanted state already holds) succeeds too.
  private async change(name: string, fields: Record<string, string>, fine: RegExp | null = null) {
    const { response } = await this.ami.action(name, fields);
    if (response['response'] === 'Success') return;
    const message = response['message'] ?? response['response'] ?? 'no answer';
    if (fine?.test(message)) return;
    throw new AmiError(name, message);
  }

  private async list(name: string, fields: Record<string, string> = {}): Promise<Message[]> {
    const { response, events } = await this.ami.action(name, fields);
    if (response['response'] !== 'Success') {
      throw new AmiError(name, response['message'] ?? response['response'] ?? 'no answer');
    }
    return events;
  }

  async outboundRegistrations(): Promise<RegistrationLine[]> {
    const events = await this.list('PJSIPShowRegistrationsOutbound');
    return events
      .filter((e) => e['event'] === 'OutboundRegistrationDetail' && e['objectname'])
      .map((e) => ({
        id: e['objectname']!,
        status: e['status'] ?? 'Unregistered',
        detail: int(e['nextreg']) > 0 ? `(exp. ${int(e['nextreg'])}s)` : '',
      }));
  }

  async queueStatus(queue?: string): Promise<Map<string, ShownQueue>> {
    const events = await this.list(
      'QueueStatus',
      queue === undefined ? {} : { Queue: this.arg('queue', queue) },
    );
    return queuesFromStatus(events, Math.floor(Date.now() / 1000));
  }

  async queueAddMember(
    queue: string,
    iface: string,
    o: { penalty: number; memberName: string; stateInterface: string },
  ): Promise<void> {
    await this.change(
      'QueueAdd',
      {
        Queue: this.arg('queue', queue),
        Interface: this.arg('interface', iface),
        Penalty: this.arg('penalty', o.penalty),
        MemberName: this.arg('memberName', o.memberName),
        StateInterface: this.arg('interface', o.stateInterface),
      },
      /Already there/i,
    );
  }

  async queueRemoveMember(queue: string, iface: string): Promise<void> {
    await this.change(
      'QueueRemove',
      { Queue: this.arg('queue', queue), Interface: this.arg('interface', iface) },
      /Not there/i,
    );
  }

  async queuePauseMember(queue: string, iface: string, reason: string): Promise<void> {
    await this.change('QueuePause', {
      Queue: this.arg('queue', queue),
      Interface: this.arg('interface', iface),
      Paused: 'true',
      Reason: this.arg('reason', reason),
    });
  }

  async queueUnpauseMember(queue: string, iface: string): Promise<void> {
    await this.change('QueuePause', {
      Queue: this.arg('queue', queue),
      Interface: this.arg('interface', iface),
      Paused: 'false',
    });
  }

  async queueSetPenalty(queue: string, iface: string, penalty: number): Promise<void> {
    await this.change('QueuePenalty', {
      Queue: this.arg('queue', queue),
      Interface: this.arg('interface', iface),
      Penalty: this.arg('penalty', penalty),
    });
  }

  async dbPut(family: string, key: string, value: string): Promise<void> {
    await this.change('DBPut', {
      Family: this.arg('family', family),
      Key: this.arg('key', key),
      Val: this.arg('value', value),
    });
  }

  async dbDel(family: string, key: string): Promise<void> {
    // Asterisk's answer for a key that is not there: the wanted state.
    await this.change(
      'DBDel',
      { Family: this.arg('family', family), Key: this.arg('key', key) },
      /could not be deleted/i,
    );
  }

  private async tree(family: string, key?: string): Promise<Map<string, string>> {
    const fields: Record<string, string> = { Family: this.arg('family', family) };
    if (key !== undefined) fields['Key'] = this.arg('key', key);
    const events = await this.list('DBGetTree', fields);
    const prefix = `/${family}/`;
    const map = new Map<string, string>();
    for (const e of events) {
      const k = e['key'];
      if (e['event'] === 'DBGetTreeResponse' && k?.startsWith(prefix))
        map.set(k.slice(prefix.length), e['val'] ?? '');
    }
    return map;
  }

  async dbFamily(family: string): Promise<Map<string, string>> {
    return this.tree(family);
  }

  async dbKeysWithPrefix(family: string, keyPrefix: string): Promise<string[]> {
    this.arg('keyPrefix', keyPrefix);
    // DBGetTree matches whole key segments: ask for the segments before the last /, then filter.
    const slash = keyPrefix.lastIndexOf('/');
    const keys = await this.tree(family, slash > 0 ? keyPrefix.slice(0, slash) : undefined);
    return [...keys.keys()].filter((k) => k.startsWith(keyPrefix));
  }

  async close(): Promise<void> {
    await this.ami.close();
  }
}
