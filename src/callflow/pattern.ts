// Asterisk's extension matching, ported from main/pbx.c (_extension_match_core, ext_cmp and
// ext_cmp_pattern_pos) so that the trace decides exactly as the dialplan does. Asterisk scans a
// context's extensions in ext_cmp order (extenpatternmatchnew = no, the default) and takes the
// first that matches; test/unit/callflow-pattern.test.ts checks both against a real Asterisk.

export type MatchMode = 'match' | 'canmatch' | 'matchmore';

const LOWEST_DIGIT = { N: '2', X: '0', Z: '1' } as const;

// Spaces and dashes are eye candy in extension names (ext_cmp_exten ignores them).
function stripFluff(s: string): string {
  return s.replace(/[ -]/g, '');
}

// 0: no, 1: yes, 2: early match (`!`).
function matchCore(pattern: string, data: string, mode: MatchMode): 0 | 1 | 2 {
  if (!pattern.startsWith('_')) {
    const p = stripFluff(pattern);
    const d = stripFluff(data);
    if (p.length < d.length) return 0;
    if (mode === 'match') return p === d ? 1 : 0;
    if (d.length === 0 || p.startsWith(d)) return mode === 'matchmore' ? (p.length > d.length ? 1 : 0) : 1;
    return 0;
  }
  if (mode === 'match' && data.startsWith('_') && comparePatterns(pattern.slice(1), data.slice(1)) === 0) {
    return 1;
  }
  let pi = 1;
  let di = 0;
  for (;;) {
    while (data[di] === '-') di++;
    while (pattern[pi] === '-') pi++;
    const d = data[di];
    const p = pattern[pi];
    if (d === undefined || p === undefined || p === '/') break;
    switch (p) {
      case '[': {
        const end = pattern.indexOf(']', pi + 1);
        if (end < 0) return 0;
        pi++;
        if (pi === end) continue; // an empty set is ignored
        let hit = false;
        for (; pi < end; pi++) {
          if (pi + 2 < end && pattern[pi + 1] === '-') {
            if (d >= pattern[pi]! && d <= pattern[pi + 2]!) {
              hit = true;
              break;
            }
            pi += 2;
          } else if (d === pattern[pi]) {
            hit = true;
            break;
          }
        }
        if (!hit) return 0;
        pi = end;
        break;
      }
      case 'n':
      case 'N':
      case 'x':
      case 'X':
      case 'z':
      case 'Z':
        // N is 2-9, X is 0-9, Z is 1-9.
        if (d < LOWEST_DIGIT[p.toUpperCase() as 'N' | 'X' | 'Z'] || d > '9') return 0;
        break;
      case '.':
        return 1;
      case '!':
        return 2;
      case ' ':
        di--;
        break;
      default:
        if (d !== p) return 0;
    }
    di++;
    pi++;
  }
  if (di < data.length) return 0;
  const rest = pattern[pi];
  if (rest === undefined || rest === '/') return mode === 'matchmore' ? 0 : 1;
  if (rest === '!') return 2;
  return mode === 'match' ? 0 : 1;
}

// Does `data` (a dialled number) match the extension `pattern` (`_` pattern or literal)?
// 'match': completely; 'canmatch': completely or as a prefix; 'matchmore': more digits could
// still match (what makes Asterisk wait for the next digit).
export function extensionMatches(pattern: string, data: string, mode: MatchMode = 'match'): boolean {
  return matchCore(pattern, data, mode) !== 0;
}

// Asterisk's caller-ID match: an empty caller ID only matches an empty pattern.
export function callerIdMatches(pattern: string, callerId: string): boolean {
  if (callerId === '') return pattern === '';
  return extensionMatches(pattern, callerId);
}

const SPECIAL_DOT = 0x18000;
const SPECIAL_BANG = 0x28000;
const SPECIAL_END = 0x30000;
const SPECIAL_ERROR = 0x40000;

interface Cursor {
  s: string;
  i: number;
  done: boolean;
}

function setBit(bits: Uint8Array, code: number): boolean {
  const byte = code >> 3;
  const mask = 1 << (7 - (code % 8));
  if (bits[byte]! & mask) return false;
  bits[byte]! |= mask;
  return true;
}

// One position of a pattern as a sortable score: fewer possible characters sort first, then the
// lowest character; `.` then `!` then the end of the pattern sort last.
function patternPosition(c: Cursor, bits: Uint8Array): number {
  bits.fill(0);
  let ch = c.s[c.i];
  while (ch === ' ') ch = c.s[++c.i];
  c.i++;
  if (ch === undefined) {
    c.done = true;
    return SPECIAL_END;
  }
  switch (ch) {
    case 'n':
    case 'N':
      bits[6] = 0x3f;
      bits[7] = 0xc0;
      return 0x0800 | 0x32;
    case 'x':
    case 'X':
      bits[6] = 0xff;
      bits[7] = 0xc0;
      return 0x0a00 | 0x30;
    case 'z':
    case 'Z':
      bits[6] = 0x7f;
      bits[7] = 0xc0;
      return 0x0900 | 0x31;
    case '.':
      return SPECIAL_DOT;
    case '!':
      return SPECIAL_BANG;
    case '[':
      break;
    default:
      setBit(bits, ch.charCodeAt(0) & 0xff);
      return 0x0100 | (ch.charCodeAt(0) & 0xff);
  }
  const end = c.s.indexOf(']', c.i);
  if (end < 0) return SPECIAL_ERROR;
  let count = 0;
  let cmin = 0xff;
  for (; c.i < end; c.i++) {
    let c1 = c.s.charCodeAt(c.i) & 0xff;
    let c2 = c1;
    if (c.i + 2 < end && c.s[c.i + 1] === '-') {
      c2 = c.s.charCodeAt(c.i + 2) & 0xff;
      c.i += 2;
    }
    if (c1 < cmin) cmin = c1;
    for (; c1 <= c2; c1++) if (setBit(bits, c1)) count += 0x100;
  }
  c.i++;
  return count === 0 ? SPECIAL_END : count | cmin;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

// Both without their leading `_`.
function comparePatterns(left: string, right: string): number {
  const l: Cursor = { s: left, i: 0, done: false };
  const r: Cursor = { s: right, i: 0, done: false };
  const lb = new Uint8Array(32);
  const rb = new Uint8Array(32);
  for (;;) {
    const cmp = patternPosition(l, lb) - patternPosition(r, rb) || compareBytes(rb, lb);
    if (cmp !== 0) return cmp;
    if (l.done) return 0;
  }
}

function compareLiterals(left: string, right: string): number {
  const l = stripFluff(left);
  const r = stripFluff(right);
  for (let i = 0; ; i++) {
    const a = i < l.length ? l.charCodeAt(i) : 0;
    const b = i < r.length ? r.charCodeAt(i) : 0;
    if (a !== b) return a - b;
    if (a === 0) return 0;
  }
}

// ext_cmp: the order of extensions in a context. Literal extensions come before patterns, and a
// more specific pattern before a more general one.
export function compareExtensions(left: string, right: string): number {
  const lp = left.startsWith('_');
  const rp = right.startsWith('_');
  if (!lp) return rp ? -1 : compareLiterals(left, right);
  if (!rp) return 1;
  return comparePatterns(left.slice(1), right.slice(1));
}

export interface ContextEntry<T> {
  exten: string;
  cid?: string | null;
  value: T;
}

// The order Asterisk keeps a context's extensions in; the same extension with a caller-ID match
// comes before the one without.
export function sortContext<T>(entries: readonly ContextEntry<T>[]): ContextEntry<T>[] {
  return [...entries].sort((a, b) => {
    const byExten = compareExtensions(a.exten, b.exten);
    if (byExten !== 0) return byExten;
    const ac = a.cid ?? null;
    const bc = b.cid ?? null;
    if (ac === null && bc === null) return 0;
    if (ac === null) return 1;
    if (bc === null) return -1;
    return compareExtensions(ac, bc);
  });
}

// The extension of one context that takes `data` from `callerId`, as pbx_find_extension does.
export function findInContext<T>(
  entries: readonly ContextEntry<T>[],
  data: string,
  callerId = '',
): ContextEntry<T> | null {
  for (const e of sortContext(entries)) {
    if (!extensionMatches(e.exten, data)) continue;
    if (e.cid != null && !callerIdMatches(e.cid, callerId)) continue;
    return e;
  }
  return null;
}

// Could `data` become one of these extensions with more digits? (Asterisk then waits.)
// An extension ending in `!` that matches is final (pbx_find_extension returns no more-match).
export function canMatchMore(entries: readonly ContextEntry<unknown>[], data: string): boolean {
  for (const e of sortContext(entries)) {
    const r = matchCore(e.exten, data, 'matchmore');
    if (r === 2) return false;
    if (r === 1) return true;
  }
  return false;
}
