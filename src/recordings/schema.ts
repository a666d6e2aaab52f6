import { z } from 'zod';

export const TARGET_TYPES = ['extension', 'queue', 'inbound_route', 'outbound_route'] as const;
export type TargetType = (typeof TARGET_TYPES)[number];
export const MODES = ['always', 'never', 'on_demand'] as const;
export type Mode = (typeof MODES)[number];

// Extensions and queues are numbers, routes their numeric ids: digits only, because the
// reference becomes part of a dialplan extension name and a recording's file name.
const NUMBER = /^[1-9][0-9]{1,9}$/;
const ROUTE_ID = /^[1-9][0-9]{0,9}$/;

export function refPattern(type: TargetType): RegExp {
  return type === 'extension' || type === 'queue' ? NUMBER : ROUTE_ID;
}

const Retention = z
  .number({ error: 'must be a whole number of days (1-3650) or null to keep forever' })
  .int('must be a whole number of days')
  .min(1, 'at least 1 day')
  .max(3650, 'at most 3650 days (10 years)')
  .nullable()
  .default(null);

export const RecordingPolicy = z
  .strictObject({
    target_type: z.enum(TARGET_TYPES),
    target_ref: z.string().max(10, 'at most 10 digits'),
    mode: z.enum(MODES),
    retention_days: Retention,
  })
  .superRefine((p, ctx) => {
    if (!refPattern(p.target_type).test(p.target_ref))
      ctx.addIssue({
        code: 'custom',
        path: ['target_ref'],
        message:
          p.target_type === 'extension' || p.target_type === 'queue'
            ? `must be a ${p.target_type} number (2-10 digits, not starting with 0)`
            : 'must be the numeric id of the route',
      });
  });
export type RecordingPolicyInput = z.infer<typeof RecordingPolicy>;

// A replaced policy keeps its target: changing who is recorded is a new policy.
export const RecordingPolicyUpdate = z.strictObject({
  mode: z.enum(MODES),
  retention_days: Retention,
});
export type RecordingPolicyUpdateInput = z.infer<typeof RecordingPolicyUpdate>;

export const QueueNumber = z.string().regex(NUMBER, 'must be a queue number (2-10 digits)');

export const QueueSupervisors = z.strictObject({
  user_ids: z
    .array(z.number().int().min(1).max(2_147_483_647), 'must be a list of user ids')
    .max(200, 'at most 200 supervisors'),
});

const Day = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/,
    'must be an ISO 8601 date',
  )
  .refine((s) => !Number.isNaN(Date.parse(s)), 'must be a real date');

export const RecordingListQuery = z.strictObject({
  from: Day.optional(),
  to: Day.optional(),
  extension: z.string().regex(NUMBER, 'must be an extension number').optional(),
  queue: QueueNumber.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type RecordingListQueryInput = z.infer<typeof RecordingListQuery>;

export const AudioQuery = z.strictObject({
  download: z.enum(['0', '1']).optional(),
});
