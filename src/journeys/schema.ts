import { z } from 'zod';
import { DIRECTIONS, OUTCOMES } from './types';

// Filters of the call log, the same for the API, the CSV export and the page's form. Every
// value is checked to a strict shape: anything else is a 400 naming the field.

const isoDate = z
  .string()
  .max(40)
  .refine((s) => /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(s), {
    message: 'must be an ISO 8601 date or date-time, e.g. 2026-12-01T09:00:00Z',
  })
  .transform((s, ctx) => {
    // Times without an offset (what a datetime-local field sends) are UTC, like every time here.
    const d = new Date(/T[^Z+-]*$/.test(s) ? `${s}Z` : s);
    if (Number.isNaN(d.getTime())) {
      ctx.addIssue({ code: 'custom', message: 'must be a real date' });
      return z.NEVER;
    }
    return d;
  });

const digits = (what: string, max: number) =>
  z
    .string()
    .regex(new RegExp(`^\\+?[0-9]{1,${max}}$`), `must be ${what}: digits, optionally starting with +`);

// A query string field left empty in a form means "no filter".
const optional = <S extends z.ZodType>(s: S) => z.preprocess((v) => (v === '' ? undefined : v), s.optional());

export const CallFilterFields = {
  from: optional(isoDate),
  to: optional(isoDate),
  number: optional(digits('a phone number', 20)),
  extension: optional(z.string().regex(/^[0-9]{1,20}$/, 'must be an extension number (digits)')),
  queue: optional(z.string().regex(/^[1-9][0-9]{1,9}$/, 'must be a queue number')),
  direction: optional(z.enum(DIRECTIONS, { error: () => `must be one of ${DIRECTIONS.join(', ')}` })),
  outcome: optional(z.enum(OUTCOMES, { error: () => `must be one of ${OUTCOMES.join(', ')}` })),
  did: optional(digits('a DID', 20)),
};

export const CallListQuery = z
  .strictObject({
    ...CallFilterFields,
    page: optional(z.coerce.number().int('must be a whole number').min(1, 'must be at least 1').max(100_000)),
    limit: optional(
      z.coerce.number().int('must be a whole number').min(1, 'must be 1 to 200').max(200, 'must be 1 to 200'),
    ),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'must not be before from', path: ['to'] });

export const CallExportQuery = z
  .strictObject(CallFilterFields)
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'must not be before from', path: ['to'] });

export type CallFilters = z.infer<typeof CallExportQuery>;
export type CallListParams = z.infer<typeof CallListQuery>;
