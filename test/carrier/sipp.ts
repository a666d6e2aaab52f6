import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MEDIA_PRIORITY } from '../support/env';

// sipp against any SIP server (test/support/sip.ts only targets Switchboard's Asterisk with its
// own scenarios): the carrier's addresses, or Switchboard with the scenarios in ./sipp. Every run
// has a deadline and is tracked; killAllCarrierSipp() ends whatever is left.

export const CARRIER_SCENARIOS = join(__dirname, 'sipp');
export const SUPPORT_SCENARIOS = join(__dirname, '..', 'support', 'sipp');

export interface SippRun {
  code: number | null;
  timedOut: boolean;
  // sipp's -trace_err: the messages the scenario did not expect.
  errors: string;
  // sipp's -trace_msg log, whole.
  messages: string;
  output: string;
  // Status codes of the responses sipp received, in order ("401", "100", "200", ...).
  responses: number[];
  // Requests sipp received (method names), in order.
  requests: string[];
}

// The SDP an inline sipp scenario offers or answers: PCMU plus RFC 2833 events from
// `mediaPort` (a sipp keyword such as [media_port]); a re-offer's answer carries the next
// session `version`. Indented for the scenario's CDATA.
export function sippSdp(mediaPort: string, version = 2353687637): string {
  return [
    'v=0',
    `o=- 53655765 ${version} IN IP[local_ip_type] [local_ip]`,
    's=-',
    'c=IN IP[media_ip_type] [media_ip]',
    't=0 0',
    `m=audio ${mediaPort} RTP/AVP 0 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16',
    'a=sendrecv',
  ].join('\n      ');
}

const running = new Set<ChildProcess>();

export function killAllCarrierSipp(): void {
  for (const child of running) child.kill('SIGKILL');
}

export function runSipp(opts: {
  target: string; // host:port
  scenario: string; // a path
  args: string[];
  localPort: number;
  localIp?: string; // default 127.0.0.1
  mediaPort?: number;
  // Extra files written into sipp's working directory first (e.g. a pcap to play).
  files?: Record<string, Buffer | string>;
  timeoutMs?: number;
}): Promise<SippRun> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-carrier-sipp-'));
  // mu-law 0xff is silence; the scenarios stream tone.ulaw from the working directory.
  writeFileSync(join(dir, 'tone.ulaw'), Buffer.alloc(8000, 0xff));
  for (const [name, content] of Object.entries(opts.files ?? {})) writeFileSync(join(dir, name), content);
  const errorsFile = join(dir, 'errors.log');
  const messagesFile = join(dir, 'messages.log');
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const child = spawn(
    MEDIA_PRIORITY[0] ?? 'nice',
    [
      ...MEDIA_PRIORITY.slice(1),
      'sipp',
      opts.target,
      ...['-sf', opts.scenario, '-i', opts.localIp ?? '127.0.0.1', '-p', String(opts.localPort)],
      ...(opts.mediaPort ? ['-mi', opts.localIp ?? '127.0.0.1', '-mp', String(opts.mediaPort)] : []),
      ...['-timeout', `${Math.ceil(timeoutMs / 1000)}s`, '-timeout_error', '-nostdin'],
      ...['-trace_err', '-error_file', errorsFile, '-trace_msg', '-message_file', messagesFile],
      ...opts.args,
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  let output = '';
  const collect = (c: Buffer) => {
    output = (output + c.toString()).slice(-4_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let timedOut = false;
  const backstop = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs + 5_000);
  return new Promise((resolve) => {
    let settled = false;
    const settle = (code: number | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(backstop);
      running.delete(child);
      const errors = read(errorsFile);
      const messages = read(messagesFile);
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, timedOut, errors, messages, output, ...parseReceived(messages) });
    };
    child.on('error', (err) => {
      output += `\nspawn failed: ${err.message}`;
      settle(null);
    });
    child.on('close', (code) => settle(code));
  });
}

// sipp's message trace: a dashed line with a timestamp, "UDP message received [N] bytes :" (or
// "sent"), a blank line, then the message.
function parseReceived(messages: string): { responses: number[]; requests: string[] } {
  const responses: number[] = [];
  const requests: string[] = [];
  for (const block of messages.split(/^-{5,}.*$/m)) {
    const lines = block.split(/\r?\n/).filter((l) => l.trim() !== '');
    if (!/message received/i.test(lines[0] ?? '')) continue;
    const first = lines[1] ?? '';
    const status = /^SIP\/2\.0 (\d{3})/.exec(first);
    if (status) responses.push(Number(status[1]));
    else if (/^[A-Z]+ /.test(first)) requests.push(first.split(' ')[0] as string);
  }
  return { responses, requests };
}

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export function describeRun(name: string, r: SippRun): string {
  return [
    `sipp ${name}: ${r.timedOut ? 'killed at its deadline' : `exited ${r.code}`}`,
    `responses received: ${r.responses.join(' ') || '(none)'}; requests received: ${r.requests.join(' ') || '(none)'}`,
    `--- unexpected ---\n${r.errors.slice(-3_000) || '(none)'}`,
    `--- messages ---\n${r.messages.slice(-5_000) || '(none)'}`,
    `--- output ---\n${r.output.slice(-1_500)}`,
  ].join('\n');
}
