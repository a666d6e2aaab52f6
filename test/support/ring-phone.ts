import { createSocket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeRun, runSipp, type SippRun, SUPPORT_SCENARIOS, sippSdp } from '../carrier/sipp';
import { dtmfDurationMs, dtmfPcap } from './dtmf-pcap';
import { testEnv } from './env';
import { reachable } from './sip';

// SIP peers that show *when* they were rung: sipp's message trace has a wall-clock timestamp per
// message, so a test can compare when each phone got its INVITE (or CANCEL) and when a call was
// answered. Two kinds:
//   ringingPhone: a registered extension's phone (UAS on its registered port) that rings and
//     either waits to be cancelled or answers after a delay.
//   farEnd: the far end of an outbound IP trunk (UAS on its own address, port 5060), e.g. a
//     mobile behind a carrier: it answers, optionally keys RFC 2833 DTMF, and waits for the BYE.

// A phone on an address of its own (127.0.4.x), so no other sipp on the machine can hold its
// ports: only Asterisk's wildcard RTP sockets could, and they stay below 25000.
export interface IpPhone {
  number: string;
  ip: string;
  sipPort: number;
  mediaPort: number;
}

let nextPort = 25_000 + 10 * Math.floor(Math.random() * 600);

async function binds(ip: string, port: number): Promise<boolean> {
  const s = createSocket('udp4');
  const ok = await new Promise<boolean>((resolve) => {
    s.once('error', () => resolve(false));
    s.bind(port, ip, () => resolve(true));
  });
  await new Promise<void>((resolve) => {
    try {
      s.close(() => resolve());
    } catch {
      resolve();
    }
  });
  return ok;
}

// Whether a UDP socket is bound to ip:port in this network namespace, read off the kernel's
// table. (Probing by binding the port ourselves raced the sipp starting there: a probe that held
// the port for a moment made that sipp fail to bind and exit, and nothing ever listened.)
async function bound(ip: string, port: number): Promise<boolean> {
  const hex = ip
    .split('.')
    .map((octet) => Number(octet).toString(16).toUpperCase().padStart(2, '0'))
    .reverse()
    .join('');
  const wanted = `${hex}:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const table = await readFile('/proc/net/udp', 'utf8');
  return table.split('\n').some((line) => line.trim().split(/\s+/)[1] === wanted);
}

// Resolves once something (the sipp just started) holds ip:port.
export async function listening(ip: string, port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await bound(ip, port))) {
    if (Date.now() > deadline) throw new Error(`nothing listens on ${ip}:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Resolves once the phone's sipp (ringingPhone) listens and Asterisk holds its contact as
// reachable, so a call placed next rings it at once.
export async function phoneReady(phone: IpPhone): Promise<void> {
  await listening(phone.ip, phone.sipPort);
  await reachable(phone);
}

// Registers extension `number` from ip with fresh ports (an earlier call's retransmissions must
// not reach it). Resolves once Asterisk answered 200.
export async function registeredPhone(number: string, secret: string, ip: string): Promise<IpPhone> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const base = nextPort;
    nextPort = nextPort >= 31_000 ? 25_000 : nextPort + 10;
    const ports = [base, base + 2, base + 3, base + 4, base + 5];
    if (!(await Promise.all(ports.map((p) => binds(ip, p)))).every(Boolean)) continue;
    const run = await runSipp({
      target: `127.0.0.1:${testEnv.sipPort}`,
      scenario: join(SUPPORT_SCENARIOS, 'register.xml'),
      localIp: ip,
      localPort: base,
      args: ['-m', '1', '-s', number, '-au', number, '-ap', secret, '-key', 'expires', '120', '-aa'],
      timeoutMs: 15_000,
    });
    if (run.code !== 0) throw new Error(describeRun(`register ${number}`, run));
    return { number, ip, sipPort: base, mediaPort: base + 2 };
  }
  throw new Error(`no free ports on ${ip}`);
}

export interface SipEvent {
  at: number; // ms since the epoch (sipp writes local wall-clock time)
  dir: 'in' | 'out';
  first: string; // the start line: "INVITE sip:… SIP/2.0", or "SIP/2.0 200 OK (INVITE)" with the CSeq method
}

export interface TimedRun extends SippRun {
  events: SipEvent[];
}

export function sipTimeline(messages: string): SipEvent[] {
  const events: SipEvent[] = [];
  const re =
    /^-{5,} (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}\.\d+)\s*\n(UDP message (received|sent)[^\n]*)\n\s*\n([^\n]*)/gm;
  for (const m of messages.matchAll(re)) {
    const [, date, time, , dir, first] = m as unknown as [string, string, string, string, string, string];
    // A response says which request it answers only in its CSeq: a 200 to a qualify OPTIONS is
    // not an answered call.
    const rest = messages.slice((m.index ?? 0) + m[0].length);
    const block = rest.slice(0, rest.search(/^-{5,} /m) >= 0 ? rest.search(/^-{5,} /m) : undefined);
    const cseq = /^CSeq:\s*\d+\s+([A-Z]+)/im.exec(block)?.[1];
    events.push({
      at: new Date(`${date}T${time.slice(0, 12)}`).getTime(),
      dir: dir === 'received' ? 'in' : 'out',
      first: first.startsWith('SIP/2.0') && cseq ? `${first.trim()} (${cseq})` : first.trim(),
    });
  }
  return events;
}

// When the first event whose start line matches was received (in) or sent (out).
export function firstAt(run: TimedRun, dir: 'in' | 'out', match: RegExp): number | null {
  return run.events.find((e) => e.dir === dir && match.test(e.first))?.at ?? null;
}

// Start lines the call suites look for: a request, and the answer to a call (a 200 to the
// INVITE, not to a qualify OPTIONS).
export const INVITE = /^INVITE /;
export const CANCEL = /^CANCEL /;
export const INVITE_OK = /^SIP\/2\.0 200 .*\(INVITE\)$/;

// firstAt, failing with the run's trace when the message never came (`what` names it).
export function seenAt(run: TimedRun, dir: 'in' | 'out', match: RegExp, what: string): number {
  const t = firstAt(run, dir, match);
  if (t === null) throw new Error(`${what}: never seen\n${describeRun(what, run)}`);
  return t;
}

export function allAt(run: TimedRun, dir: 'in' | 'out', match: RegExp): number[] {
  return run.events.filter((e) => e.dir === dir && match.test(e.first)).map((e) => e.at);
}

const SDP = (mediaPort: string) => sippSdp(mediaPort);

// A sipp <send> of a response to the last request: with our To tag (the first answer of a dialog)
// or without, an SDP body or none, and the send's own `next`/`test` jump (a nop between a send and
// a jump leaves sipp on a message that cannot take Asterisk's next request, which aborts the call).
export const reply = (
  status: string,
  withTag: boolean,
  body = '',
  jump: { next?: string; test?: string } = {},
) => `<send${jump.next ? ` next="${jump.next}"` : ''}${jump.test ? ` test="${jump.test}"` : ''}><![CDATA[

      SIP/2.0 ${status}
      [last_Via:]
      [last_From:]
      [last_To:]${withTag ? ';tag=[pid]SIPpTag01[call_number]' : ''}
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[service]@[local_ip]:[local_port];transport=[transport]>
      ${body ? 'Content-Type: application/sdp\n      ' : ''}Content-Length: [len]
${body ? `\n      ${body}\n` : ''}
  ]]></send>`;

// While up: answer re-INVITEs/UPDATEs (connected line, session refresh) until the BYE.
const waitForBye = (timeoutMs: number) => `<label id="up"/>
  <recv request="INVITE" optional="true" next="reinvite"/>
  <recv request="UPDATE" optional="true" next="update"/>
  <recv request="BYE" timeout="${timeoutMs}"/>
  ${reply('200 OK', false)}
  <nop next="end"/>
  <label id="reinvite"/>
  ${reply('200 OK', false, SDP('[media_port]'))}
  <recv request="ACK" next="up"/>
  <label id="update"/>
  ${reply('200 OK', false)}
  <nop next="up"/>
  <label id="end"/>`;

function ringScenario(answerAfterMs: number | null, holdMs: number, calls: number): string {
  const answer =
    answerAfterMs === null
      ? `<recv request="CANCEL" timeout="${holdMs}"/>
  ${reply('200 OK', false)}
  <send><![CDATA[

      SIP/2.0 487 Request Terminated
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      CSeq:[$cseq]
      Content-Length: 0

  ]]></send>
  <recv request="ACK"/>`
      : `<pause milliseconds="${answerAfterMs}"/>
  <send retrans="500"><![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[service]@[local_ip]:[local_port];transport=[transport]>
      Content-Type: application/sdp
      Content-Length: [len]

      ${SDP('[media_port]')}

  ]]></send>
  <recv request="ACK" timeout="10000"/>
  ${waitForBye(holdMs)}`;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="ring">
  <Global variables="invites"/>
  <recv request="OPTIONS" optional="true" next="options"/>
  <recv request="NOTIFY" optional="true" next="options"/>
  <recv request="INVITE">${
    answerAfterMs === null
      ? '<action><ereg regexp=".*" search_in="hdr" header="CSeq:" assign_to="cseq"/></action>'
      : ''
  }</recv>
  ${reply('180 Ringing', true)}
  ${answer}
  <nop>
    <action>
      <add assign_to="invites" value="1"/>
      <test assign_to="enough" variable="invites" compare="greater_than_equal" value="${calls}"/>
    </action>
  </nop>
  <nop condexec="enough" next="done"><action><exec int_cmd="stop_gracefully"/></action></nop>
  <nop next="done"/>
  <label id="options"/>
  ${reply('200 OK', true)}
  <label id="done"/>
</scenario>
`;
}

// A registered phone (register it first, on phone.sipPort) taking `calls` INVITEs one after the
// other: each rings until Asterisk cancels it, or is answered after answerAfterMs and held until
// Asterisk's BYE. Resolves when sipp has handled them all (or at its deadline).
export function ringingPhone(
  phone: IpPhone,
  opts: { answerAfterMs?: number; calls?: number; holdMs?: number; timeoutMs: number },
): Promise<TimedRun> {
  return runSipp({
    target: `127.0.0.1:${testEnv.sipPort}`,
    scenario: 'scenario.xml',
    localIp: phone.ip,
    localPort: phone.sipPort,
    mediaPort: phone.mediaPort,
    files: {
      'scenario.xml': ringScenario(opts.answerAfterMs ?? null, opts.holdMs ?? 60_000, opts.calls ?? 1),
    },
    args: ['-s', phone.number],
    timeoutMs: opts.timeoutMs,
  }).then((run) => ({ ...run, events: sipTimeline(run.messages) }));
}

// The far end of an IP trunk at `ip`:5060: answers one call after answerAfterMs, keys `digits`
// (RFC 2833) from leadMs after the answer, and waits for Asterisk's BYE. (play_pcap_audio plays
// from the capture's first packet, so the lead is a wait in the scenario.)
export async function farEnd(opts: {
  ip: string;
  mediaPort: number;
  digits?: string;
  answerAfterMs?: number;
  leadMs?: number;
  timeoutMs: number;
}): Promise<TimedRun> {
  const digits = opts.digits ?? '';
  const timing = { leadMs: opts.leadMs ?? 1500, gapMs: 700 };
  const scenario = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="far-end">
  <recv request="INVITE"/>
  ${reply('180 Ringing', true)}
  <pause milliseconds="${opts.answerAfterMs ?? 500}"/>
  <send retrans="500"><![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:far-end@[local_ip]:[local_port];transport=[transport]>
      Content-Type: application/sdp
      Content-Length: [len]

      ${SDP('[media_port]')}

  ]]></send>
  <recv request="ACK" timeout="10000"/>
  ${
    digits
      ? `<label id="lead"/>
  <recv request="INVITE" timeout="${timing.leadMs}" ontimeout="play" next="lead-reinvite"/>
  <label id="lead-reinvite"/>
  ${reply('200 OK', false, SDP('[media_port]'))}
  <recv request="ACK" next="lead"/>
  <label id="play"/>
  <nop><action><exec play_pcap_audio="dtmf.pcap"/></action></nop>`
      : ''
  }
  ${waitForBye(opts.timeoutMs)}
</scenario>
`;
  const files: Record<string, Buffer | string> = { 'scenario.xml': scenario };
  if (digits) files['dtmf.pcap'] = dtmfPcap(digits, timing);
  const run = await runSipp({
    target: '127.0.0.1:5060', // unused by a server scenario: it answers whoever calls
    scenario: 'scenario.xml',
    localIp: opts.ip,
    localPort: 5060,
    mediaPort: opts.mediaPort,
    files,
    args: ['-m', '1'],
    timeoutMs: opts.timeoutMs + dtmfDurationMs(digits, timing),
  });
  return { ...run, events: sipTimeline(run.messages) };
}
