import { DEFAULT_ARI_APP } from '../../feature-codes';
import { confTemplate } from '../../render/engine';
import type { DesiredState } from '../../render/state';

// The dialplan behind a queue's callback key: the exit context app_queue jumps to on the key
// (only queues with callback on have one) and the placeholder's wait context (always there, so a
// placeholder re-originated after callback was switched off still has somewhere to run).
export function renderQueueCallbackDialplan(state: DesiredState): string {
  const queues = state.queues
    .filter((q) => q.callback.enabled)
    .sort((a, b) => (a.number < b.number ? -1 : a.number > b.number ? 1 : 0))
    .map((q) => ({ number: q.number, key: q.callback.key }));
  return confTemplate('dialplan-queue-callback')({
    app: state.settings.ariApp ?? DEFAULT_ARI_APP,
    queues,
  });
}
