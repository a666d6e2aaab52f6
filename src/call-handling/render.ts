import type { DesiredState } from '../render/types';

// Forwarding, do-not-disturb and per-user blocked callers around sb-extension-dial. (Skeleton.
// The context below must always exist: every extension's context includes it.)
export function renderCallHandlingDialplan(_state: DesiredState): string {
  return '\n[sb-call-handling-codes]\n';
}
