import { z } from 'zod';
import { Destination } from '../destinations';
import { CallerIdNumber } from '../extensions';
import { DIAL_PATTERN } from '../lib/asterisk-syntax';
import { Language } from '../lib/language';
import { displayName } from '../lib/names';

export const DialPattern = z
  .string()
  .max(40)
  .regex(DIAL_PATTERN, 'must be an Asterisk dial pattern (e.g. _00. or _0[1-9]XXXXXXX) or plain digits');

export const ROUTE_CLASSES = ['local', 'national', 'international', 'premium', 'emergency'] as const;

const routeName = displayName();

export const OutboundRoute = z.strictObject({
  name: routeName,
  patterns: z.array(DialPattern).min(1).max(50),
  strip: z.number().int().min(0).max(20).default(0),
  prepend: z
    .string()
    .max(20)
    .regex(/^\+?[0-9*]*$/, 'digits only, optionally starting with +')
    .default(''),
  caller_id_number: CallerIdNumber.nullable().default(null),
  class: z.enum(ROUTE_CLASSES),
  trunk_ids: z.array(z.number().int().min(1)).min(1, 'at least one trunk').max(10),
  position: z.number().int().min(1).optional(),
});
export type OutboundRouteInput = z.infer<typeof OutboundRoute>;

export const InboundRoute = z.strictObject({
  name: routeName,
  did: DialPattern,
  caller_id: DialPattern.nullable().default(null),
  destination: Destination,
  caller_id_name_prefix: z
    .string()
    .max(20)
    .regex(/^[\p{L}\p{N} .:_()-]*$/u, 'letters, digits, spaces and . : _ ( ) - only')
    .default(''),
  // Callers on this route wait ahead of lower priorities in any queue (0: normal).
  queue_priority: z.number().int().min(0).max(10).default(0),
  // The caller's channel language from here on (greeting variants, prompts); null: unchanged.
  language: Language.nullable().default(null),
  position: z.number().int().min(1).optional(),
});
export type InboundRouteInput = z.infer<typeof InboundRoute>;

export const BlockedCaller = z.strictObject({
  // "anonymous" blocks callers who withhold their number.
  pattern: z.union([z.literal('anonymous'), DialPattern]),
  action: z.enum(['hangup', 'busy']).default('hangup'),
});
