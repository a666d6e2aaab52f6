import { z } from 'zod';

export const ExtensionParam = z.strictObject({
  number: z.string().regex(/^[0-9]{1,20}$/, 'must be an extension number'),
});
export const TrunkParam = z.strictObject({ id: z.coerce.number().int().positive() });

// null: no limit. 0 would mean "never", which classes of service already say better.
const Limit = z.number().int().min(1).max(10_000).nullable();

// Admin only: these are the limits a user must not be able to lift.
export const ExtensionTollLimits = z.strictObject({
  may_forward_externally: z.boolean().default(false),
  forward_max_concurrent: z.number().int().min(1).max(100).default(2),
  international: z
    .strictObject({ max_concurrent: Limit.default(2), max_daily: Limit.default(20) })
    .default({ max_concurrent: 2, max_daily: 20 }),
});
export type ExtensionTollLimitsInput = z.infer<typeof ExtensionTollLimits>;

export const TrunkTollLimits = z.strictObject({
  international: z
    .strictObject({ max_concurrent: Limit.default(null), max_daily: Limit.default(null) })
    .default({ max_concurrent: null, max_daily: null }),
});
export type TrunkTollLimitsInput = z.infer<typeof TrunkTollLimits>;

export const TollSettings = z.strictObject({
  alert_email: z.email('must be an email address').max(254).nullable(),
});

export const AlertsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
