import { z } from 'zod';
import { Destination } from '../destinations';
import { displayName } from '../lib/names';

export const MAX_MEMBERS = 30;
export const STRATEGIES = ['ringall', 'hunt', 'memoryhunt'] as const;

export const RingGroupNumber = z
  .string()
  .regex(/^[1-9][0-9]{1,9}$/, 'must be 2-10 digits, not starting with 0');

// Phone numbers dialled out through the outbound routes, like an external destination.
export const ExternalNumber = z
  .string()
  .regex(/^\+?[0-9]{3,20}$/, 'must be a phone number: digits, optionally starting with +');
export const ExtensionTarget = z.string().regex(/^[1-9][0-9]{1,9}$/, 'must be an extension number');

const RingGroupName = displayName();

// Shown before the caller's name on the phones: no characters that end a dialplan argument.
export const CallerIdPrefix = z
  .string()
  .max(20)
  .regex(/^[\p{L}\p{N} .:_-]*$/u, 'letters, digits, spaces and . : _ - only')
  .default('');

// Confirmation is for external legs: a phone of ours never has a voicemail that answers for it.
export function memberSchema() {
  return z.discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('extension'),
      target: ExtensionTarget,
      confirm: z.literal(false, 'only external members can require confirmation').default(false),
    }),
    z.strictObject({
      kind: z.literal('external'),
      target: ExternalNumber,
      confirm: z.boolean().default(false),
    }),
  ]);
}

export const RingGroupMember = memberSchema();

export const RingGroup = z
  .strictObject({
    number: RingGroupNumber,
    name: RingGroupName,
    strategy: z.enum(STRATEGIES).default('ringall'),
    ring_seconds: z.number().int().min(5).max(300).default(20),
    caller_id_prefix: CallerIdPrefix,
    members: z.array(RingGroupMember).min(1, 'at least one member').max(MAX_MEMBERS),
    failover_destination: Destination.default({ type: 'hangup', target: '' }),
  })
  .superRefine((g, ctx) => {
    const seen = new Map<string, number>();
    g.members.forEach((m, i) => {
      const key = `${m.kind}:${m.target}`;
      const first = seen.get(key);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['members', i, 'target'],
          message: `${m.target} is already member ${first + 1}`,
        });
      else seen.set(key, i);
    });
  });
export type RingGroupInput = z.infer<typeof RingGroup>;
