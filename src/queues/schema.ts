import { z } from 'zod';
import { Destination } from '../destinations';
import { boardName } from '../lib/names';
import { QUEUE_STRATEGIES } from './state';

export const MAX_MEMBERS = 500;
export const MAX_VIP_CALLERS = 1000;

// The number callers and phones dial; the same shape as every numbered destination.
export const QueueNumber = z
  .string()
  .regex(/^[1-9][0-9]{1,9}$/, 'must be 2 to 10 digits, not starting with 0');

export const QueueName = boardName();

const ExtensionNumber = z.string().regex(/^[1-9][0-9]{0,9}$/, 'must be an extension number');

export const QueueMember = z.strictObject({
  extension: ExtensionNumber,
  // 0 rings first; a higher penalty rings only while every lower one is busy.
  penalty: z.number().int().min(0).max(100).default(0),
  dynamic: z.boolean().default(false),
});

// A caller's number as the inbound path leaves it (FILTERed to digits and +).
export const VipCallerId = z
  .string()
  .trim()
  .regex(/^\+?[0-9]{3,20}$/, 'must be a phone number: 3 to 20 digits, optionally starting with +');

// 'default' or a class of the music-on-hold feature (sb-moh-<id>).
export const MohClass = z
  .string()
  .regex(/^(default|sb-moh-[1-9][0-9]{0,9})$/, 'must be "default" or a music-on-hold class sb-moh-<id>');

// The classes of number a callback may ever dial. International, premium and emergency are not
// among them whatever an admin sets: an anonymous caller must never make the PBX dial a paid or
// emergency number (issue 16, IRSF).
export const CALLBACK_CLASSES = ['local', 'national'] as const;
export type CallbackClass = (typeof CALLBACK_CLASSES)[number];

const CallbackClassName = z.enum(CALLBACK_CLASSES, {
  error: () =>
    'only local and national numbers may be called back (never international, premium or emergency)',
});

export const CALLBACK_DEFAULTS = {
  enabled: false,
  key: '1',
  max_attempts: 3,
  retry_seconds: 60,
  allowed_classes: ['local', 'national'] as CallbackClass[],
  allow_typed_numbers: false,
  max_pending: 20,
  max_per_number_per_day: 3,
  max_per_caller_per_day: 5,
};

export const QueueCallback = z.strictObject({
  enabled: z.boolean().default(false),
  key: z
    .string()
    .regex(/^[0-9]$/, 'must be one digit 0-9')
    .default('1'),
  max_attempts: z.number().int().min(1).max(10).default(3),
  retry_seconds: z.number().int().min(10).max(3600).default(60),
  // Empty: only extensions are called back.
  allowed_classes: z
    .array(CallbackClassName)
    .max(CALLBACK_CLASSES.length)
    .refine((a) => new Set(a).size === a.length, 'listed twice')
    .default(['local', 'national']),
  // Off: only the caller's own caller ID is offered (and must be confirmed).
  allow_typed_numbers: z.boolean().default(false),
  // Requests of this queue not yet done; one more is refused.
  max_pending: z.number().int().min(1).max(1000).default(20),
  // Requests per number called back (across all queues) and per caller ID, in 24 hours.
  max_per_number_per_day: z.number().int().min(1).max(50).default(3),
  max_per_caller_per_day: z.number().int().min(1).max(100).default(5),
});

const seconds = (min: number, max: number, fallback: number) =>
  z.number().int().min(min).max(max).default(fallback);

const fields = {
  name: QueueName,
  strategy: z
    .enum(QUEUE_STRATEGIES, { error: () => `must be one of ${QUEUE_STRATEGIES.join(', ')}` })
    .default('ringall'),
  members: z.array(QueueMember).max(MAX_MEMBERS, `at most ${MAX_MEMBERS} members`).default([]),
  ring_seconds: seconds(5, 300, 15),
  retry_seconds: seconds(1, 300, 5),
  wrap_up_seconds: seconds(0, 3600, 0),
  // Answers within this many seconds count toward the service level (Asterisk servicelevel, reports).
  service_level_seconds: seconds(1, 600, 20),
  // 0: callers wait as long as it takes.
  max_wait_seconds: seconds(0, 86_400, 0),
  max_callers: z.number().int().min(0).max(1000).default(0),
  join_when_empty: z.boolean().default(true),
  leave_when_empty: z.boolean().default(false),
  announce_position: z.boolean().default(false),
  announce_hold_time: z.boolean().default(false),
  periodic_announce_greeting_id: z
    .number()
    .int()
    .min(1)
    .max(2 ** 31, 'must be the id of a greeting')
    .nullable()
    .default(null),
  periodic_announce_seconds: seconds(10, 3600, 60),
  moh_class: MohClass.default('default'),
  vip_caller_ids: z.array(VipCallerId).max(MAX_VIP_CALLERS, `at most ${MAX_VIP_CALLERS} numbers`).default([]),
  vip_priority: z.number().int().min(1).max(10).default(10),
  failover_destination: Destination,
  callback: QueueCallback.default(CALLBACK_DEFAULTS),
};

function noRepeats(
  q: { members: Array<{ extension: string }>; vip_caller_ids: string[] },
  ctx: z.RefinementCtx,
) {
  const seen = new Set<string>();
  q.members.forEach((m, i) => {
    if (seen.has(m.extension))
      ctx.addIssue({ code: 'custom', path: ['members', i, 'extension'], message: 'listed twice' });
    seen.add(m.extension);
  });
  const vips = new Set<string>();
  q.vip_caller_ids.forEach((n, i) => {
    if (vips.has(n)) ctx.addIssue({ code: 'custom', path: ['vip_caller_ids', i], message: 'listed twice' });
    vips.add(n);
  });
}

export const CreateQueue = z.strictObject({ number: QueueNumber, ...fields }).superRefine(noRepeats);
export type CreateQueueInput = z.infer<typeof CreateQueue>;

// PUT replaces everything; a different number renumbers the queue (refused while in use).
export const UpdateQueue = z
  .strictObject({ number: QueueNumber.optional(), ...fields })
  .superRefine(noRepeats);
export type UpdateQueueInput = z.infer<typeof UpdateQueue>;
