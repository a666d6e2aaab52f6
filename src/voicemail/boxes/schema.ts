import { z } from 'zod';
import { Email } from '../../extensions';
import { pinWeakness } from './pin-rule';

// The box-independent part of the rule; the service adds "not the box number" (pinWeakness).
export const Pin = z.string().superRefine((p, ctx) => {
  const weakness = pinWeakness(p);
  if (weakness) ctx.addIssue({ code: 'custom', message: weakness });
});

const GreetingId = z.number().int().min(1).max(2_147_483_647).nullable();

const settings = {
  email: Email.nullable().optional(),
  attach_audio: z.boolean().optional(),
  delete_after_email: z.boolean().optional(),
  transcribe: z.boolean().optional(),
  skip_pin_from_own_phone: z.boolean().optional(),
  unavailable_greeting_id: GreetingId.optional(),
  busy_greeting_id: GreetingId.optional(),
  name_greeting_id: GreetingId.optional(),
  temporary_greeting_id: GreetingId.optional(),
};

export const BoxNumber = z.string().regex(/^[0-9]{1,20}$/, 'must be an extension number');

export const CreateBox = z.strictObject({ number: BoxNumber, pin: Pin.optional(), ...settings });
export type CreateBoxInput = z.infer<typeof CreateBox>;

export const PatchBox = z.strictObject(settings);
export type PatchBoxInput = z.infer<typeof PatchBox>;

// No pin: a new one is generated and returned (the admin's reset).
export const SetPin = z.strictObject({ pin: Pin.optional() });
export type SetPinInput = z.infer<typeof SetPin>;

export const BoxParams = z.strictObject({ number: BoxNumber });

// A box's settings as the table holds them and as the API shows them.
export interface BoxSettings {
  email: string | null;
  attach_audio: boolean;
  delete_after_email: boolean;
  transcribe: boolean;
  skip_pin_from_own_phone: boolean;
  unavailable_greeting_id: number | null;
  busy_greeting_id: number | null;
  name_greeting_id: number | null;
  temporary_greeting_id: number | null;
}

export interface Box extends BoxSettings {
  number: string;
  display_name: string;
  // No PIN set (a box made by the extension's voicemail flag): only the owner's own phone opens
  // it, when skip_pin_from_own_phone is on.
  pin_set: boolean;
  // Set under the old rule and refused by today's: the admin should have it changed.
  pin_weak: boolean;
  // Too many wrong PINs: no PIN is accepted until then (setting a new PIN lifts it).
  locked_until: string | null;
}
