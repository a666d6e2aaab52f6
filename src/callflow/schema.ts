import { z } from 'zod';

// A trace question. The fields mirror what a trunk gives Asterisk: the dialled number (DID) and
// the caller's number; nothing here reaches config, but hostile strings are still refused.
export const TraceRequest = z.strictObject({
  did: z
    .string()
    .trim()
    .regex(/^\+?[0-9]{1,30}$/, 'must be the dialled number: digits, optionally starting with +'),
  caller_id: z
    .string()
    .trim()
    .regex(/^(?:\+?[0-9]{1,30}|anonymous|)$/, 'must be a number (digits, optional +), "anonymous" or empty')
    .nullable()
    .default(null),
  at: z.iso.datetime({
    offset: true,
    message: 'must be an ISO 8601 date-time with a timezone, e.g. 2026-12-25T10:00:00Z',
  }),
  digits: z
    .string()
    .max(60)
    .regex(
      /^[0-9*#tT ,]*$/,
      'keys 0-9 * #; spaces or commas separate bursts (pauses); t is a burst of silence (timeout)',
    )
    .optional(),
});
export type TraceRequest = z.infer<typeof TraceRequest>;

export const GraphId = z.strictObject({ id: z.coerce.number().int().min(1).max(2_147_483_647) });
