import type { CdrRecord, CelEvent, QueueLogEvent } from './types';

// One line of a call-data file → one row to insert, or an error naming what is wrong. The
// formats are fixed by asterisk-config/cdr_custom.conf, cel_custom.conf and logger.conf.

export type CdrRow = Omit<CdrRecord, 'id'>;
export type CelRow = Omit<CelEvent, 'id'>;
export type QueueLogRow = Omit<QueueLogEvent, 'id'>;
export type Parsed<T> = { ok: true; row: T } | { ok: false; error: string };

type Json = Record<string, unknown>;

function object(line: string): Json | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : 'not a JSON object';
}

// Column widths of migrations/20261201110000_create_call_data.ts: longer values are cut, not
// refused, so one odd caller ID never stops the whole file.
function text(o: Json, key: string, max: number): string {
  const v = o[key];
  const s = typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
  return s.length > max ? s.slice(0, max) : s;
}

function epoch(o: Json, key: string): Date | null {
  const v = o[key];
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  // Asterisk writes 0 for "never" (an unanswered call's answer time).
  if (!Number.isFinite(n) || n <= 0) return null;
  return new Date(Math.round(n * 1000));
}

function count(o: Json, key: string): number {
  const n = Number(o[key]);
  return Number.isFinite(n) && n >= 0 ? Math.round(n) : 0;
}

export function parseCdr(line: string): Parsed<CdrRow> {
  const o = object(line);
  if (typeof o === 'string') return { ok: false, error: o };
  const start = epoch(o, 'start');
  const end = epoch(o, 'end');
  const linkedid = text(o, 'linkedid', 64);
  const uniqueid = text(o, 'uniqueid', 64);
  if (!start || !end || !linkedid || !uniqueid)
    return { ok: false, error: 'missing start, end, linkedid or uniqueid' };
  return {
    ok: true,
    row: {
      linkedid,
      uniqueid,
      sequence: count(o, 'sequence'),
      start,
      answer: epoch(o, 'answer'),
      end,
      clid: text(o, 'clid', 160),
      src: text(o, 'src', 80),
      dst: text(o, 'dst', 80),
      dcontext: text(o, 'dcontext', 80),
      channel: text(o, 'channel', 160),
      dstchannel: text(o, 'dstchannel', 160),
      lastapp: text(o, 'lastapp', 80),
      lastdata: text(o, 'lastdata', 255),
      duration: count(o, 'duration'),
      billsec: count(o, 'billsec'),
      disposition: text(o, 'disposition', 32),
      accountcode: text(o, 'accountcode', 80),
      peeraccount: text(o, 'peeraccount', 80),
      userfield: text(o, 'userfield', 255),
    },
  };
}

// CELGenUserEvent's extra arrives wrapped as {"extra":"…"}; journeys want the plain string.
function userExtra(raw: string): string {
  try {
    const v: unknown = JSON.parse(raw);
    if (v && typeof v === 'object' && typeof (v as Json)['extra'] === 'string')
      return (v as Json)['extra'] as string;
  } catch {
    // not JSON: keep it as written
  }
  return raw;
}

export function parseCel(line: string): Parsed<CelRow> {
  const o = object(line);
  if (typeof o === 'string') return { ok: false, error: o };
  const eventtime = epoch(o, 'eventtime');
  const eventtype = text(o, 'eventtype', 32);
  const uniqueid = text(o, 'uniqueid', 64);
  const linkedid = text(o, 'linkedid', 64);
  if (!eventtime || !eventtype || !uniqueid || !linkedid)
    return { ok: false, error: 'missing eventtype, eventtime, uniqueid or linkedid' };
  const userdeftype = text(o, 'userdeftype', 64);
  const extra = text(o, 'eventextra', 4096);
  const isUser = userdeftype !== '' && userdeftype === eventtype;
  const eventextra = isUser ? userExtra(extra) : extra;
  return {
    ok: true,
    row: {
      eventtype,
      eventtime,
      userdeftype,
      eventextra: eventextra.slice(0, 1024),
      cid_name: text(o, 'name', 80),
      cid_num: text(o, 'num', 80),
      cid_ani: text(o, 'ani', 80),
      cid_dnid: text(o, 'dnid', 80),
      exten: text(o, 'exten', 80),
      context: text(o, 'context', 80),
      channame: text(o, 'channame', 160),
      appname: text(o, 'appname', 80),
      appdata: text(o, 'appdata', 512),
      uniqueid,
      linkedid,
      peer: text(o, 'peer', 160),
    },
  };
}

// time|callid|queuename|agent|event|data1|data2|… (the data fields are "|"-separated in 22).
export function parseQueueLog(line: string): Parsed<QueueLogRow> {
  const parts = line.split('|');
  if (parts.length < 5) return { ok: false, error: 'fewer than 5 fields' };
  const seconds = Number(parts[0]);
  if (!Number.isFinite(seconds) || seconds <= 0) return { ok: false, error: 'bad time' };
  const cut = (s: string | undefined, max: number) => (s ?? '').slice(0, max);
  const data = parts.slice(5);
  // More than five data fields (never written by Asterisk 22) are kept joined in the last one.
  const tail = data.length > 5 ? data.slice(4).join('|') : data[4];
  return {
    ok: true,
    row: {
      time: new Date(Math.round(seconds * 1000)),
      callid: cut(parts[1], 64),
      queuename: cut(parts[2], 80),
      agent: cut(parts[3], 160),
      event: cut(parts[4], 32),
      data1: cut(data[0], 255),
      data2: cut(data[1], 255),
      data3: cut(data[2], 255),
      data4: cut(data[3], 255),
      data5: cut(tail, 255),
    },
  };
}
