import type { DesiredState } from '../render/types';

// (Skeleton. The contexts below must always exist: the core dialplan includes them.)
export function renderRingGroupDialplan(_state: DesiredState): string {
  return '\n[sb-ring-group-numbers]\n\n[sb-dest-ring-group]\n';
}
