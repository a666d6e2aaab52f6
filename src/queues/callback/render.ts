import { DEFAULT_ARI_APP } from '../../feature-codes';
import { confTemplate } from '../../render/engine';
import type { DesiredState } from '../../render/state';
import { CALLBACK_CLASSES } from '../schema';

// The dialplan behind a queue's callback key: the exit context app_queue jumps to on the key
// (only queues with callback on have one), the placeholder's wait context (always there, so a
// placeholder re-originated after callback was switched off still has somewhere to run), and
// the contexts numbers are called back through.

const CLASS_CODES: Record<(typeof CALLBACK_CLASSES)[number], string> = { local: 'l', national: 'n' };

// sb-cb-out-<l|n|ln|none>: the one context a called-back number is dialled in. Only the classes
// a callback may ever dial have a code; anything else in `classes` is ignored, never widened.
export function callbackOutContext(classes: readonly string[]): string {
  const code = CALLBACK_CLASSES.filter((c) => classes.includes(c))
    .map((c) => CLASS_CODES[c])
    .join('');
  return `sb-cb-out-${code || 'none'}`;
}

function classSets(): string[][] {
  const sets: string[][] = [];
  for (let mask = 0; mask < 1 << CALLBACK_CLASSES.length; mask++) {
    sets.push(CALLBACK_CLASSES.filter((_, i) => mask & (1 << i)));
  }
  return sets;
}

export function renderQueueCallbackDialplan(state: DesiredState): string {
  const queues = state.queues
    .filter((q) => q.callback.enabled)
    .sort((a, b) => (a.number < b.number ? -1 : a.number > b.number ? 1 : 0))
    .map((q) => ({ number: q.number, key: q.callback.key }));
  // The routes in the order every class-of-service context includes them (routingView), so the
  // route that would take a number is the same here as from a phone; a route of a class not
  // allowed refuses instead of letting a later route take the number.
  const routes = [...(state.outboundRoutes ?? [])].sort((a, b) => a.position - b.position || a.id - b.id);
  // Every combination is rendered: the dialplan depends on the routes only, not on queue edits.
  const outContexts = classSets().map((classes) => ({
    name: callbackOutContext(classes),
    includes: routes.map((r) => (classes.includes(r.class) ? `sb-out-${r.id}` : `sb-cb-refuse-${r.id}`)),
  }));
  const refusals = routes.map((r) => ({ context: `sb-cb-refuse-${r.id}`, patterns: r.patterns }));
  return confTemplate('dialplan-queue-callback')({
    app: state.settings.ariApp ?? DEFAULT_ARI_APP,
    queues,
    outContexts,
    refusals,
  });
}
