import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asteriskCli } from './asterisk';
import { MEDIA_PRIORITY, testEnv } from './env';

// Real SIP phones for end-to-end tests: sipp processes driving the scenarios in ./sipp against
// the test Asterisk. Every process has a deadline and is tracked, so killAllSipp() in an
// afterEach/afterAll leaves nothing running whatever the test did.

const HOST = '127.0.0.1';
const SCENARIOS = join(__dirname, 'sipp');
// Clear of Asterisk's RTP ranges (10000-20000 by default, 22000-24000 for a second sandbox) and
// below Linux's ephemeral ports, so nothing else picks them meanwhile.
const PORT_MIN = 25_000;
const PORT_MAX = 32_000;
const PORTS_PER_PHONE = 10; // SIP port, then sipp's RTP echo sockets and its rtp_stream sockets

export interface Phone {
  number: string;
  secret: string;
  // The digest username when it is not the number (SIP_AUTH_USERNAME=random).
  authUser?: string;
  // The loopback address it sends from (127.0.0.1 unless a test needs a phone of its own address).
  ip?: string;
  sipPort: number;
  mediaPort: number;
  // The Asterisk it registers with and calls through: the suite's own unless a test runs another
  // (the newcomer stage's Switchboard has its own Asterisk).
  serverPort: number;
  // Runs a CLI command on that Asterisk (the suite's sandbox unless given).
  cli: (command: string) => Promise<string>;
}

export interface SippResult {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  // sipp's -trace_err log: every message the scenario did not expect.
  unexpected: string;
  // The end of sipp's -trace_msg log and of its console output, for failure messages.
  messages: string;
  output: string;
}

export interface SippHandle {
  name: string;
  exited: Promise<SippResult>;
  // Set once the process has exited.
  result: SippResult | null;
  kill(): void;
}

const running = new Set<SippHandle>();
const usedBases = new Set<number>();

// A phone with ports nobody used before in this process: an earlier run's retransmissions
// must not reach it.
export async function phoneFor(
  number: string,
  secret: string,
  opts: {
    serverPort?: number;
    cli?: (command: string) => Promise<string>;
    authUser?: string;
    ip?: string;
  } = {},
): Promise<Phone> {
  const base = await freePortBlock(PORTS_PER_PHONE);
  return {
    number,
    secret,
    ...(opts.authUser ? { authUser: opts.authUser } : {}),
    ...(opts.ip ? { ip: opts.ip } : {}),
    sipPort: base,
    mediaPort: base + 2,
    serverPort: opts.serverPort ?? testEnv.sipPort,
    cli: opts.cli ?? asteriskCli,
  };
}

// REGISTER with digest auth (expires 0 unregisters). Exits 0 only on a 200.
export function register(phone: Phone, opts: { expires?: number; timeoutMs?: number } = {}): SippHandle {
  return sipp(`register-${phone.number}`, 'register.xml', phone.serverPort, opts.timeoutMs ?? 15_000, [
    ...['-i', phone.ip ?? HOST, '-m', '1', '-p', String(phone.sipPort)],
    ...['-s', phone.number, '-au', phone.authUser ?? phone.number, '-ap', phone.secret],
    ...['-key', 'expires', String(opts.expires ?? 60)],
    '-max_recv_loops',
    '1',
    // Asterisk qualifies a new contact at once; answer if its OPTIONS comes this early.
    '-aa',
  ]);
}

// Waits for one call on the phone's registered port (answering qualify OPTIONS meanwhile),
// answers it with audio and exits 0 once the caller's BYE has been answered. Resolves once
// Asterisk holds the phone's contact as reachable, so a call placed next rings it.
export async function answerCalls(phone: Phone, opts: { timeoutMs?: number } = {}): Promise<SippHandle> {
  const handle = sipp(`answer-${phone.number}`, 'answer.xml', phone.serverPort, opts.timeoutMs ?? 60_000, [
    ...['-i', phone.ip ?? HOST, '-p', String(phone.sipPort), '-mi', phone.ip ?? HOST],
    ...['-mp', String(phone.mediaPort), '-s', phone.number],
  ]);
  await reachable(phone, () => (handle.result ? describeResult(handle.result) : null));
  return handle;
}

// Asterisk qualifies a contact with OPTIONS right after its REGISTER. The registering sipp may
// have exited before that OPTIONS came, and then the contact stays Unavailable until the next
// qualify (60 s later) and calls to it fail or ring late. Once a process that answers OPTIONS
// holds the port, this asks Asterisk to qualify again and waits until it says Avail.
export async function reachable(
  phone: { number: string; ip?: string; sipPort: number; cli?: (command: string) => Promise<string> },
  // Says why the process that should answer for the phone is gone, or null while it runs.
  stopped: () => string | null = () => null,
  timeoutMs = 15_000,
): Promise<void> {
  const cli = phone.cli ?? asteriskCli;
  const contact = `${phone.number}/sip:${phone.number}@${phone.ip ?? HOST}:${phone.sipPort}`;
  const deadline = Date.now() + timeoutMs;
  // A qualify answered late (qualify_timeout is 3 s) leaves the contact Unavail until the next
  // one, 60 s later: ask again once the last has had its time.
  let qualifiedAt = 0;
  for (;;) {
    const aor = await cli(`pjsip show aor ${phone.number}`);
    const line = aor.split('\n').find((l) => l.includes(contact));
    if (line && /\bAvail\b/.test(line)) return;
    const gone = stopped();
    if (gone !== null) throw new Error(`the phone ${contact} stopped before it was reachable:\n${gone}`);
    if (Date.now() > deadline) throw new Error(`Asterisk does not hold ${contact} as reachable:\n${aor}`);
    if (line && Date.now() - qualifiedAt > 3_500) {
      qualifiedAt = Date.now();
      await cli(`pjsip qualify ${phone.number}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Calls `to` from the phone's registered port, sends audio for talkMs after the answer, then
// hangs up. Exits 0 only if the INVITE and the BYE were both answered 200.
export function placeCall(
  phone: Phone,
  to: string,
  opts: { talkMs: number; timeoutMs?: number },
): SippHandle {
  return sipp(
    `call-${phone.number}-${to}`,
    'call.xml',
    phone.serverPort,
    opts.timeoutMs ?? opts.talkMs + 30_000,
    [
      ...['-i', phone.ip ?? HOST, '-m', '1', '-p', String(phone.sipPort), '-mi', phone.ip ?? HOST],
      ...['-mp', String(phone.mediaPort), '-s', to, '-key', 'caller', phone.number],
      ...['-au', phone.authUser ?? phone.number, '-ap', phone.secret],
      ...['-d', String(opts.talkMs)],
      '-aa',
    ],
  );
}

// Resolves with the result of a process that exited 0; otherwise rejects with everything sipp
// said about why.
export async function succeeded(handle: SippHandle): Promise<SippResult> {
  const result = await handle.exited;
  if (result.code !== 0) throw new Error(describeResult(result));
  return result;
}

export function describeResult(r: SippResult): string {
  const how = r.timedOut ? 'was killed at its deadline' : `exited with ${r.code ?? r.signal}`;
  return [
    `sipp ${r.name} ${how}`,
    `--- unexpected messages ---\n${r.unexpected || '(none)'}`,
    `--- last SIP messages ---\n${r.messages || '(none)'}`,
    `--- output ---\n${r.output}`,
  ].join('\n');
}

export function killAllSipp(): void {
  for (const handle of running) handle.kill();
}

function sipp(
  name: string,
  scenario: string,
  serverPort: number,
  timeoutMs: number,
  args: string[],
): SippHandle {
  const dir = mkdtempSync(join(tmpdir(), `sb-sipp-${name}-`));
  // rtp_stream takes its file from the scenario text (no -key substitution there): cwd it is.
  writeFileSync(join(dir, 'tone.ulaw'), TONE);
  const errorsFile = join(dir, 'errors.log');
  const messagesFile = join(dir, 'messages.log');
  const child: ChildProcess = spawn(
    MEDIA_PRIORITY[0] ?? 'nice',
    [
      ...MEDIA_PRIORITY.slice(1),
      'sipp',
      `${HOST}:${serverPort}`,
      ...['-sf', join(SCENARIOS, scenario)],
      // The phone's own address when the caller names one, else 127.0.0.1.
      ...(args.includes('-i') ? [] : ['-i', HOST]),
      ...['-timeout', `${Math.ceil(timeoutMs / 1000)}s`, '-timeout_error', '-nostdin'],
      ...['-trace_err', '-error_file', errorsFile, '-trace_msg', '-message_file', messagesFile],
      ...args,
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-6_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  let timedOut = false;
  // sipp's own -timeout should fire first; this is the backstop for a wedged process.
  const deadline = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs + 5_000);

  const handle: SippHandle = {
    name,
    result: null,
    exited: new Promise<SippResult>((resolve) => {
      let settled = false;
      const settle = (code: number | null, signal: NodeJS.Signals | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        running.delete(handle);
        const result: SippResult = {
          name,
          code,
          signal,
          timedOut,
          unexpected: readTail(errorsFile, 4_000),
          messages: readTail(messagesFile, 6_000),
          output,
        };
        rmSync(dir, { recursive: true, force: true });
        handle.result = result;
        resolve(result);
      };
      child.on('error', (err) => {
        output += `\nspawn failed: ${err.message}`;
        settle(null, null);
      });
      child.on('close', settle);
    }),
    kill() {
      if (handle.result === null && child.exitCode === null) child.kill('SIGKILL');
    },
  };
  running.add(handle);
  return handle;
}

function readTail(file: string, chars: number): string {
  try {
    return readFileSync(file, 'utf8').slice(-chars).trim();
  } catch {
    return '';
  }
}

// A run of `count` consecutive UDP ports on 127.0.0.1 that bind right now.
async function freePortBlock(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = PORT_MIN + 2 * Math.floor((Math.random() * (PORT_MAX - PORT_MIN - count)) / 2);
    if ([...usedBases].some((b) => Math.abs(b - base) < count)) continue;
    if (await allBind(base, count)) {
      usedBases.add(base);
      return base;
    }
  }
  throw new Error(`no ${count} free consecutive UDP ports in ${PORT_MIN}-${PORT_MAX}`);
}

async function allBind(base: number, count: number): Promise<boolean> {
  const sockets = Array.from({ length: count }, () => createSocket('udp4'));
  const bound = await Promise.all(
    sockets.map(
      (s, i) =>
        new Promise<boolean>((resolve) => {
          s.once('error', () => resolve(false));
          s.bind(base + i, HOST, () => resolve(true));
        }),
    ),
  );
  await Promise.all(
    sockets.map(
      (s) =>
        new Promise<void>((resolve) => {
          try {
            s.close(() => resolve());
          } catch {
            resolve(); // never bound
          }
        }),
    ),
  );
  return bound.every(Boolean);
}

// One second of a 440 Hz tone in G.711 mu-law, looped by rtp_stream: real audio, not silence.
const TONE = Buffer.from(
  Array.from({ length: 8000 }, (_, i) => muLaw(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)))),
);

function muLaw(sample: number): number {
  const sign = sample < 0 ? 0x80 : 0;
  const magnitude = Math.min(Math.abs(sample), 32_635) + 0x84;
  let exponent = 7;
  for (let mask = 0x4000; exponent > 0 && (magnitude & mask) === 0; mask >>= 1) exponent--;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}
