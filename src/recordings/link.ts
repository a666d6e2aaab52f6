import type { Deps } from '../deps';

// Turns SB_RECORDING CEL events into recordings rows (file size, duration). Returns how many.
export async function linkRecordingsOnce(_deps: Deps): Promise<number> {
  return 0;
}
