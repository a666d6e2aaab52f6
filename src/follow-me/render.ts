import type { DesiredState } from '../render/types';

// Context sb-followme, one extension per number with follow-me on. (Skeleton.)
export function renderFollowMeDialplan(_state: DesiredState): string {
  return '';
}
