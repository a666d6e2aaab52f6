import type { DesiredState } from '../../render/types';

// The dialplan behind a queue's callback key. (Skeleton.)
export function renderQueueCallbackDialplan(_state: DesiredState): string {
  return '';
}
