import { z } from 'zod';

export const ExtensionNumber = z.string().regex(/^[0-9]{1,20}$/, 'must be an extension number');

// Where a call may be forwarded, and a caller number to block: digits with an optional leading
// +, 3 to 20 digits. Nothing else is ever written to astdb or reaches a Goto.
export const PhoneNumber = z.string().regex(/^\+?[0-9]{3,20}$/, 'must be 3 to 20 digits, optionally after +');

export const CallHandlingParams = z.strictObject({ number: ExtensionNumber });

const Forward = z.strictObject({
  always: PhoneNumber.nullable().default(null),
  busy: PhoneNumber.nullable().default(null),
  noAnswer: PhoneNumber.nullable().default(null),
});

// A PUT replaces the whole setting: what is left out is off.
export const PutCallHandling = z.strictObject({
  dnd: z.boolean().default(false),
  forward: Forward.default({ always: null, busy: null, noAnswer: null }),
});
export type PutCallHandlingInput = z.infer<typeof PutCallHandling>;

export const BlockCaller = z.strictObject({ number: PhoneNumber });
export const BlockedParams = z.strictObject({ number: ExtensionNumber, caller: PhoneNumber });

export interface CallHandling {
  extension: string;
  dnd: boolean;
  forward: { always: string | null; busy: string | null; noAnswer: string | null };
}

export interface BlockedCaller {
  number: string;
  created_at: string;
}
