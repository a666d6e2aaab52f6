import { z } from 'zod';
import { Destination } from '../destinations';
import { Language } from '../lib/language';
import { displayName } from '../lib/names';

export const MAX_OPTIONS = 12;
export const DIGITS = '0123456789*#';

export const IvrName = displayName();

// One key on the phone's keypad.
export const Digit = z.string().regex(/^[0-9*#]$/, 'one of 0-9, * or #');

const GreetingId = z
  .number()
  .int()
  .min(1)
  .max(2 ** 31, 'must be the id of a greeting');

export const IvrOption = z.strictObject({
  digit: Digit,
  destination: Destination,
  // The caller's channel language from this key on ("press 2 for French"); null: unchanged.
  language: Language.nullable().default(null),
});

export const Ivr = z
  .strictObject({
    name: IvrName,
    // null: a silent menu that only waits for a key.
    prompt_greeting_id: GreetingId.nullable(),
    options: z.array(IvrOption).max(MAX_OPTIONS, `at most ${MAX_OPTIONS} options`).default([]),
    direct_dial: z.boolean().default(false),
    repeat_digit: Digit.nullable().default(null),
    timeout_seconds: z.number().int().min(1).max(60).default(5),
    max_retries: z.number().int().min(0).max(5).default(2),
    retry_greeting_id: GreetingId.nullable().default(null),
    invalid_destination: Destination,
  })
  .superRefine((ivr, ctx) => {
    const seen = new Map<string, number>();
    ivr.options.forEach((o, i) => {
      const first = seen.get(o.digit);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['options', i, 'digit'],
          message: `digit ${o.digit} is already used by option ${first + 1}`,
        });
      } else seen.set(o.digit, i);
    });
    if (ivr.repeat_digit !== null && seen.has(ivr.repeat_digit)) {
      ctx.addIssue({
        code: 'custom',
        path: ['repeat_digit'],
        message: `digit ${ivr.repeat_digit} is already an option`,
      });
    }
  });
export type IvrInput = z.infer<typeof Ivr>;
