import { z } from 'zod';
import { Destination } from '../destinations';
import { ExtensionTarget, ExternalNumber } from '../ring-groups';

export const MAX_STEPS = 10;

export const FollowMeStep = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('extension'),
    target: ExtensionTarget,
    ring_seconds: z.number().int().min(5).max(120).default(20),
    confirm: z.literal(false, 'only external steps can require confirmation').default(false),
  }),
  z.strictObject({
    kind: z.literal('external'),
    target: ExternalNumber,
    ring_seconds: z.number().int().min(5).max(120).default(25),
    confirm: z.boolean().default(true),
  }),
]);

export const FollowMe = z
  .strictObject({
    enabled: z.boolean(),
    steps: z.array(FollowMeStep).max(MAX_STEPS, `at most ${MAX_STEPS} steps`).default([]),
    // null: the extension's voicemail box if it has one, else hang up.
    final_destination: Destination.nullable().default(null),
  })
  .superRefine((f, ctx) => {
    if (f.enabled && f.steps.length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['steps'],
        message: 'follow-me needs at least one step to be on',
      });
  });
export type FollowMeInput = z.infer<typeof FollowMe>;

export const FollowMeExtension = z.string().regex(/^[1-9][0-9]{0,9}$/, 'must be an extension number');
