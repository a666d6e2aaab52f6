import { extensionMatches } from '../callflow';
import type { ROUTE_CLASSES } from './schema';
import type { OutboundRouteState } from './state';

// Which class of service an external number falls in, decided as the dialplan decides it: the
// outbound routes are included in order into every class-of-service context and the first
// route with a matching pattern takes the call (routingView). Features that dial a number a
// caller chose (queue callback, forwarding) ask this before they store or dial anything.

export type RouteClass = (typeof ROUTE_CLASSES)[number];

export type NumberVerdict =
  | { kind: 'route'; class: RouteClass; routeId: number }
  // Refused whatever the routes say: international prefixes, emergency numbers, short codes.
  | { kind: 'refused'; reason: 'international' | 'emergency' | 'short-code' }
  | { kind: 'unrouted' }; // no outbound route would take it

// International dialling prefixes: 00 (ITU), 011 (NANP), and the E.164 +.
const INTERNATIONAL = /^(?:\+|00|011)/;
// Well-known emergency numbers (EU, NANP, UK, AU/NZ, JP/CN, IN and others), as they may be
// typed from abroad too; N11 codes are matched by isEmergencyNumber.
const EMERGENCY = new Set([
  '000',
  '08',
  '100',
  '101',
  '102',
  '103',
  '108',
  '110',
  '111',
  '112',
  '113',
  '114',
  '115',
  '116',
  '117',
  '118',
  '119',
  '122',
  '123',
  '15',
  '17',
  '18',
  '190',
  '192',
  '193',
  '197',
  '911',
  '991',
  '995',
  '997',
  '998',
  '999',
]);

// One list for every feature that must never dial or store an emergency number as a target
// (queue callback, forwarding, follow-me).
export function isEmergencyNumber(number: string): boolean {
  const digits = number.replace(/[^0-9]/g, '');
  return EMERGENCY.has(digits) || /^[2-9]11$/.test(digits);
}
// Shorter than this, an external number is a service short code (112, 116xxx, 118xx …):
// never a subscriber someone may be called back on or forwarded to.
const MIN_SUBSCRIBER_DIGITS = 7;

export function hardRefusal(number: string): NumberVerdict | null {
  const digits = number.replace(/[^0-9]/g, '');
  if (isEmergencyNumber(digits)) return { kind: 'refused', reason: 'emergency' };
  if (INTERNATIONAL.test(number)) return { kind: 'refused', reason: 'international' };
  if (digits.length < MIN_SUBSCRIBER_DIGITS) return { kind: 'refused', reason: 'short-code' };
  return null;
}

export function classifyNumber(number: string, routes: readonly OutboundRouteState[]): NumberVerdict {
  const refused = hardRefusal(number);
  if (refused) return refused;
  const ordered = [...routes].sort((a, b) => a.position - b.position || a.id - b.id);
  const route = ordered.find((r) => r.patterns.some((p) => extensionMatches(p, number)));
  if (!route) return { kind: 'unrouted' };
  return { kind: 'route', class: route.class as RouteClass, routeId: route.id };
}
