import { runSipp, type SippRun, sippSdp } from '../carrier/sipp';
import type { TestApp } from './app';
import { dtmfDurationMs, dtmfPcap } from './dtmf-pcap';
import { testEnv } from './env';
import { phoneFor } from './sip';

// A carrier's call into Switchboard: sipp sends an INVITE from CARRIER_IP to the test Asterisk,
// which identifies it by address as an IP trunk, so the call takes the real inbound path
// (per-trunk context, blocklist, inbound routes, destinations). Once answered, sipp plays RFC
// 2833 DTMF (see dtmf-pcap.ts) or streams an audio file (e.g. speech), and then either hangs up
// or waits for Asterisk to hang up.

export const CARRIER_IP = '127.0.0.9';

// The IP trunk that makes CARRIER_IP's calls inbound calls; returns its id.
export async function createCallerTrunk(app: TestApp, name = 'test-carrier'): Promise<number> {
  const res = await app.api('POST', '/api/v1/trunks', {
    body: { name, kind: 'ip', host: CARRIER_IP, peer_addresses: [CARRIER_IP], qualify: false },
  });
  if (res.status !== 201) throw new Error(`creating trunk ${name}: ${res.status} ${res.text}`);
  return res.body.id as number;
}

// A carrier for calls going out, e.g. to "mobiles" (a sipp UAS at `ip`, see ring-phone.ts's
// farEnd): an IP trunk to it and the outbound route "Mobiles" (_04XXXXXXXX, class national)
// through it. Returns the trunk's id.
export async function createMobileCarrier(
  app: TestApp,
  ip: string,
  name = 'mobile-carrier',
): Promise<number> {
  const trunk = await app.api('POST', '/api/v1/trunks', {
    body: { name, kind: 'ip', host: ip, peer_addresses: [ip], qualify: false },
  });
  if (trunk.status !== 201) throw new Error(`trunk: ${trunk.status} ${trunk.text}`);
  const out = await app.api('POST', '/api/v1/outbound-routes', {
    body: { name: 'Mobiles', patterns: ['_04XXXXXXXX'], class: 'national', trunk_ids: [trunk.body.id] },
  });
  if (out.status !== 201) throw new Error(`outbound route: ${out.status} ${out.text}`);
  return trunk.body.id as number;
}

export interface TrunkCallOptions {
  did: string;
  callerId?: string; // default 3225559999; "anonymous" withholds it
  digits?: string; // pressed after the answer (0-9)
  waitBeforeDigitsMs?: number; // after the answer, before the first digit (default 1500)
  gapMs?: number; // between digits (default 700)
  // 'caller': sipp hangs up after holdMs; 'remote': sipp waits (up to holdMs) for Asterisk's BYE.
  hangup: 'caller' | 'remote';
  holdMs: number;
  answerTimeoutMs?: number; // default 15 s
  // 8 kHz mu-law streamed once after the answer (sipp rtp_stream), then silence. Not with
  // digits: sipp sends a pcap from [media_port] but a stream from [rtpstream_audio_port], and the
  // SDP names one port.
  audio?: Buffer;
}

export interface TrunkCallResult extends SippRun {
  ok: boolean;
}

export async function callFromTrunk(opts: TrunkCallOptions): Promise<TrunkCallResult> {
  const digits = opts.digits ?? '';
  if (digits && opts.audio) throw new Error('callFromTrunk: digits and audio cannot be combined');
  const phone = await phoneFor('carrier', '');
  const timing = { leadMs: opts.waitBeforeDigitsMs ?? 1500, gapMs: opts.gapMs ?? 700 };
  const files: Record<string, Buffer | string> = { 'scenario.xml': scenario(opts, digits, timing) };
  const answerTimeout = opts.answerTimeoutMs ?? 15_000;
  // A carrier sends audio for as long as the call lasts (Asterisk ends a call that sends none
  // for RTP_TIMEOUT_SECONDS): after the keys or the speech, silence until sipp's own timeout.
  const fillMs = dtmfDurationMs(digits, timing) + opts.holdMs + 15_000;
  if (digits) files['dtmf.pcap'] = dtmfPcap(digits, { ...timing, fillMs });
  else files['speech.ulaw'] = Buffer.concat([opts.audio ?? Buffer.alloc(0), silence(fillMs)]);
  const run = await runSipp({
    target: `127.0.0.1:${testEnv.sipPort}`,
    scenario: 'scenario.xml',
    localIp: CARRIER_IP,
    localPort: phone.sipPort,
    mediaPort: phone.mediaPort,
    files,
    args: ['-m', '1', '-s', opts.did, '-key', 'caller', opts.callerId ?? '3225559999'],
    timeoutMs: answerTimeout + dtmfDurationMs(digits, timing) + opts.holdMs + 15_000,
  });
  return { ...run, ok: run.code === 0 };
}

// PCMU silence (0xff), 8 bytes a millisecond.
function silence(ms: number): Buffer {
  return Buffer.alloc(Math.ceil(ms * 8), 0xff);
}

function scenario(opts: TrunkCallOptions, digits: string, timing: { leadMs: number; gapMs: number }): string {
  const playing = digits ? dtmfDurationMs(digits, timing) : 0;
  // The port our SDP offers must be the one sipp sends from, or Asterisk's strict RTP drops it.
  const mediaPort = digits ? '[media_port]' : '[rtpstream_audio_port]';
  // PCMU plus RFC 2833 events; a re-offer answer carries the next session version.
  const sdp = (version: number) => sippSdp(mediaPort, version);
  // Once the call is bridged, Asterisk updates the caller's connected line with a re-INVITE, as
  // it would to a real carrier; sipp's <pause> would abort the call on it. So every wait is a
  // recv of that INVITE with a timeout: a re-INVITE is answered and the wait starts again.
  const reinvite = (label: string, next: string) => `<label id="${label}-reinvite"/>
  <send><![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[caller]@[local_ip]:[local_port];transport=[transport]>
      Content-Type: application/sdp
      Content-Length: [len]

      ${sdp(2353687638)}

  ]]></send>
  <recv request="ACK" next="${next}"/>`;
  // Media starts before the ACK: once Asterisk has the ACK it may re-INVITE (connected line) at
  // once, and sipp aborts on a message that arrives while it stands on a <nop>.
  const media = digits
    ? '<nop><action><exec play_pcap_audio="dtmf.pcap"/></action></nop>'
    : '<nop><action><exec rtp_stream="speech.ulaw,1,0"/></action></nop>';
  const dtmf = digits
    ? `<label id="dtmf"/>
  <recv request="INVITE" timeout="${playing}" ontimeout="dtmf-done" next="dtmf-reinvite"/>
  ${reinvite('dtmf', 'dtmf')}
  <label id="dtmf-done"/>`
    : '';
  const ending =
    opts.hangup === 'caller'
      ? `<label id="hold"/>
  <recv request="INVITE" timeout="${opts.holdMs}" ontimeout="bye" next="hold-reinvite"/>
  ${reinvite('hold', 'hold')}
  <label id="bye"/>
  <send retrans="500"><![CDATA[

      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      Max-Forwards: 70
      From: <sip:[caller]@[local_ip]>;tag=[pid]SIPpTag00[call_number]
      To:[$remote_to]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Content-Length: 0

  ]]></send>
  <recv response="200" timeout="5000"/>`
      : `<label id="hold"/>
  <recv request="INVITE" optional="true" next="hold-reinvite"/>
  <recv request="BYE" timeout="${opts.holdMs}"/>
  <send><![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

  ]]></send>
  <nop next="end"/>
  ${reinvite('hold', 'hold')}
  <label id="end"/>`;
  // The To header (with Asterisk's tag) for the caller's own BYE; sipp refuses a scenario that
  // assigns a variable it never uses, so only when the caller hangs up.
  const toTag =
    opts.hangup === 'caller'
      ? '<action><ereg regexp=".*" search_in="hdr" header="To:" assign_to="remote_to"/></action>'
      : '';
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="trunk-call">
  <send retrans="500"><![CDATA[

      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      Max-Forwards: 70
      From: <sip:[caller]@[local_ip]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:[caller]@[local_ip]:[local_port];transport=[transport]>
      User-Agent: switchboard-test-carrier
      Content-Type: application/sdp
      Content-Length: [len]

      ${sdp(2353687637)}

  ]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true" rrs="true" timeout="${opts.answerTimeoutMs ?? 15_000}">${toTag}</recv>
  ${media}
  <send><![CDATA[

      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      Max-Forwards: 70
      From: <sip:[caller]@[local_ip]>;tag=[pid]SIPpTag00[call_number]
      [last_To:]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Content-Length: 0

  ]]></send>
  ${dtmf}
  ${ending}
</scenario>
`;
}
