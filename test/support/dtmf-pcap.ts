import { readFileSync } from 'node:fs';

// RFC 2833 DTMF for sipp's play_pcap_audio, built from the recordings sip-tester ships
// (/usr/share/sip-tester/dtmf_2833_<0-9|star|pound>.pcap: one key each, payload type 101). Played one
// after the other they would not work: each file has its own RTP sequence numbers and
// timestamps, so a later digit can look older than an earlier one, and a repeated digit looks
// like a retransmission of the first. This joins the recordings into one capture with one
// sequence and timestamp line and a gap between digits, so any digit string arrives as
// distinct key presses.

const SOURCE = '/usr/share/sip-tester';
const FILE_OF: Record<string, string> = { '*': 'star', '#': 'pound' };
const KEYS = /^[0-9*#]$/;

interface Packet {
  offsetUs: number;
  frame: Buffer;
}

function readKey(key: string): Packet[] {
  const data = readFileSync(`${SOURCE}/dtmf_2833_${FILE_OF[key] ?? key}.pcap`);
  const packets: Packet[] = [];
  let first: number | null = null;
  for (let off = 24; off + 16 <= data.length; ) {
    const sec = data.readUInt32LE(off);
    const usec = data.readUInt32LE(off + 4);
    const len = data.readUInt32LE(off + 8);
    const t = sec * 1_000_000 + usec;
    first ??= t;
    packets.push({ offsetUs: t - first, frame: Buffer.from(data.subarray(off + 16, off + 16 + len)) });
    off += 16 + len;
  }
  return packets;
}

// Where the RTP header starts in an Ethernet/IPv4/UDP frame.
function rtpOffset(frame: Buffer): number {
  const ipHeader = (frame[14]! & 0x0f) * 4;
  return 14 + ipHeader + 8;
}

// One pcap holding `digits` (0-9, * and #), the first after leadMs, then one every gapMs. A ','
// is no key: it waits PAUSE_MS more before the next (e.g. while a menu starts after a PIN).
const PAUSE_MS = 2000;
export function dtmfPcap(
  input: string,
  opts: { leadMs?: number; gapMs?: number; fillMs?: number } = {},
): Buffer {
  const digits = input.replace(/,/g, '');
  for (const d of digits) if (!KEYS.test(d)) throw new Error(`no RFC 2833 recording for "${d}"`);
  const pauseBefore: number[] = [];
  let pending = 0;
  for (const c of input) {
    if (c === ',') pending += PAUSE_MS * 1000;
    else {
      pauseBefore.push((pauseBefore.at(-1) ?? 0) + pending);
      pending = 0;
    }
  }
  const lead = (opts.leadMs ?? 200) * 1000;
  const gap = (opts.gapMs ?? 700) * 1000;
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20); // Ethernet
  const records: Buffer[] = [header];
  // Every packet, key press or audio, as (time, frame); sequence numbers are given in time order.
  const packets: Array<{ at: number; frame: Buffer; rtp: number }> = [];
  const busy: Array<[number, number]> = []; // when a key's events are sent: no audio then
  [...digits].forEach((digit, i) => {
    const at = lead + i * gap + (pauseBefore[i] ?? 0);
    const timestamp = 8000 + Math.floor((at / 1_000_000) * 8000); // 8 kHz clock
    const key = readKey(digit);
    for (const p of key) {
      const frame = Buffer.from(p.frame);
      const rtp = rtpOffset(frame);
      frame.writeUInt32BE(timestamp >>> 0, rtp + 4);
      packets.push({ at: at + p.offsetUs, frame, rtp });
    }
    busy.push([at - 20_000, at + (key.at(-1)?.offsetUs ?? 0) + 20_000]);
  });
  // A real phone or carrier sends audio all along (silence included), and Asterisk hangs up a
  // call that sends none for RTP_TIMEOUT_SECONDS: PCMU silence, 20 ms a packet, before the first
  // key and from just after the last one to fillMs. Before: sipp paces a capture from its first
  // packet, so the silence is what makes leadMs a real wait. Not between keys: with audio between
  // them, a loaded CI machine saw Asterisk report keys twice ("0470000063" as "047700000000006633").
  const template = readKey('0')[0]!.frame;
  const beforeKeys = Math.min(...busy.map(([from]) => from));
  const afterKeys = Math.max(...busy.map(([, to]) => to)) + 100_000;
  for (let at = 0; at < (opts.fillMs ?? 0) * 1000; at += 20_000) {
    if (at >= beforeKeys && at <= afterKeys) continue;
    const frame = silenceFrame(template);
    const rtp = rtpOffset(frame);
    frame.writeUInt32BE((8000 + Math.floor((at / 1_000_000) * 8000)) >>> 0, rtp + 4);
    packets.push({ at, frame, rtp });
  }
  packets.sort((a, b) => a.at - b.at);
  let seq = 1000;
  const start = 1_700_000_000 * 1_000_000;
  for (const p of packets) {
    p.frame.writeUInt16BE(seq++ & 0xffff, p.rtp + 2);
    p.frame.writeUInt32BE(SSRC, p.rtp + 8); // one source, whichever recording a key came from
    const t = start + p.at;
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(Math.floor(t / 1_000_000), 0);
    rec.writeUInt32LE(t % 1_000_000, 4);
    rec.writeUInt32LE(p.frame.length, 8);
    rec.writeUInt32LE(p.frame.length, 12);
    records.push(rec, p.frame);
  }
  return Buffer.concat(records);
}

const SSRC = 0x5b0a7d11;

// A PCMU packet of 20 ms of silence (0xff), in the Ethernet/IPv4/UDP framing of a key's packet.
function silenceFrame(template: Buffer): Buffer {
  const rtp = rtpOffset(template);
  const frame = Buffer.alloc(rtp + 12 + 160, 0xff);
  template.copy(frame, 0, 0, rtp);
  frame.writeUInt8(0x80, rtp); // RTP version 2
  frame.writeUInt8(0, rtp + 1); // payload type 0 (PCMU), no marker
  const ipHeader = rtp - 14 - 8;
  frame.writeUInt16BE(ipHeader + 8 + 12 + 160, 16); // IPv4 total length
  frame.writeUInt16BE(8 + 12 + 160, 14 + ipHeader + 4); // UDP length
  frame.writeUInt16BE(0, 14 + ipHeader + 6); // UDP checksum: none
  frame.writeUInt16BE(0, 24);
  let sum = 0;
  for (let i = 14; i < 14 + ipHeader; i += 2) sum += frame.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  frame.writeUInt16BE(~sum & 0xffff, 24); // IPv4 header checksum
  return frame;
}

// How long the capture plays, for the scenario's pauses.
export function dtmfDurationMs(input: string, opts: { leadMs?: number; gapMs?: number } = {}): number {
  const digits = input.replace(/,/g, '');
  if (digits.length === 0) return 0;
  const pauses = input.replace(/,+$/, '').length - digits.length;
  return (opts.leadMs ?? 200) + (digits.length - 1) * (opts.gapMs ?? 700) + pauses * PAUSE_MS + 200;
}
