import type { SliceKey } from '../render/state';

// What one write touched, so the next apply re-reads only that: per part of the desired state,
// `true` (the whole part) or the ids of the rows that changed (for parts loaded row by row, such
// as extensions: one row of 10,000). `null` means "unknown": everything is re-read.
export type ApplyScope = Readonly<Partial<Record<SliceKey, true | readonly string[]>>>;

export function touched(...slices: SliceKey[]): ApplyScope {
  return Object.fromEntries(slices.map((s) => [s, true]));
}

// One apply serves many requests: it re-reads the union of what they touched.
export function mergeScopes(scopes: readonly (ApplyScope | null | undefined)[]): ApplyScope | null {
  const merged: Partial<Record<SliceKey, true | Set<string>>> = {};
  for (const scope of scopes) {
    if (!scope) return null;
    for (const [key, ids] of Object.entries(scope) as Array<[SliceKey, true | readonly string[]]>) {
      const have = merged[key];
      if (ids === true || have === true) merged[key] = true;
      else merged[key] = new Set([...(have ?? []), ...ids]);
    }
  }
  return Object.fromEntries(
    Object.entries(merged).map(([key, ids]) => [key, ids === true ? true : [...(ids as Set<string>)]]),
  );
}
