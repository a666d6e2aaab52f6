import type { DialplanSettings } from '../render/state';

// Direct dial at a menu: the extension numbers are matched by one pattern per number length,
// `_<first digits>X…`, inside the IVR's own context. Extension numbers never start with 0.
export function directDialPatterns(range: DialplanSettings['extensionRange']): string[] {
  const out: string[] = [];
  const minLen = String(range.min).length;
  const maxLen = String(range.max).length;
  for (let len = minLen; len <= maxLen; len++) {
    const unit = 10 ** (len - 1);
    const lo = Math.floor(Math.max(range.min, unit) / unit);
    const hi = Math.floor(Math.min(range.max, unit * 10 - 1) / unit);
    if (lo > hi) continue;
    const first = lo === hi ? String(lo) : `[${lo}-${hi}]`;
    out.push(`_${first}${'X'.repeat(len - 1)}`);
  }
  return out;
}

// The keys an extension number can start with. With direct dial on, a menu key among them would
// be ambiguous: Asterisk cannot know whether "1" is the option or the start of 1001, so it waits
// the inter-digit timeout before taking the option. Such combinations are refused instead.
export function extensionLeadingDigits(range: DialplanSettings['extensionRange']): Set<string> {
  const digits = new Set<string>();
  for (const p of directDialPatterns(range)) {
    const m = /^_(?:(\d)|\[(\d)-(\d)\])/.exec(p);
    if (!m) continue;
    const lo = Number(m[1] ?? m[2]);
    const hi = Number(m[1] ?? m[3]);
    for (let d = lo; d <= hi; d++) digits.add(String(d));
  }
  return digits;
}
