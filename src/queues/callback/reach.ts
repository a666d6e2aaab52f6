import { classifyNumber, type OutboundRouteState } from '../../routes';
import { CALLBACK_CLASSES } from '../schema';
import { callbackOutContext } from './render';
import { CallbackNumber } from './schema';

// How a number would be called back, decided before anything is stored or dialled (and again
// right before the dial): an extension directly; an external number only through the queue's own
// callback context, and only when the outbound route that would take it is of a class the queue
// allows. The dialplan (sb-cb-out-*) enforces the same a third time.

export type Reach = { ok: true; context: string } | { ok: false; reason: string };

export function reachFor(
  number: string,
  isExtension: boolean,
  routes: readonly OutboundRouteState[],
  allowedClasses: readonly string[],
): Reach {
  if (!CallbackNumber.safeParse(number).success) return { ok: false, reason: 'not a phone number' };
  if (isExtension) return { ok: true, context: 'sb-dest-extension' };
  const verdict = classifyNumber(number, routes);
  if (verdict.kind === 'refused') return { ok: false, reason: `${verdict.reason} number` };
  if (verdict.kind === 'unrouted') return { ok: false, reason: 'no outbound route takes it' };
  // Only local and national can ever count as allowed, whatever the queue's row says.
  const allowed = CALLBACK_CLASSES.filter((c) => allowedClasses.includes(c));
  if (!(allowed as readonly string[]).includes(verdict.class)) {
    return { ok: false, reason: `a ${verdict.class} number, which this queue does not call back` };
  }
  return { ok: true, context: callbackOutContext(allowed) };
}
