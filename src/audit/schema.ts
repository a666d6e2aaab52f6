import { z } from 'zod';

const text = (max: number) => z.string().trim().min(1).max(max).optional();
// A date or a full ISO instant. A bare date is that day's UTC midnight, or for an exclusive end
// (`to`) the next midnight, so `to=2026-12-07` includes the 7th.
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const instant = (endOfDay: boolean) =>
  z
    .string()
    .trim()
    .regex(
      /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/,
      'expected YYYY-MM-DD or an ISO date-time',
    )
    .transform((s, ctx) => {
      const ms = DAY.test(s) ? Date.parse(`${s}T00:00:00Z`) + (endOfDay ? 86_400_000 : 0) : Date.parse(s);
      if (Number.isNaN(ms)) {
        ctx.addIssue({ code: 'custom', message: 'not a valid date' });
        return z.NEVER;
      }
      return new Date(ms);
    });

// The filters of the audit log, shared by the API and the page. `to` is exclusive; a bare date
// as `to` means the end of that day.
export const AuditQuery = z
  .strictObject({
    actor: text(128),
    action: text(255),
    object_type: text(64),
    object_id: text(128),
    from: instant(false).optional(),
    to: instant(true).optional(),
    page: z.coerce.number().int().min(1).max(100_000).default(1),
    per_page: z.coerce.number().int().min(1).max(200).default(50),
  })
  .refine((q) => !q.from || !q.to || q.from < q.to, { message: '`from` must be before `to`', path: ['to'] });

export type AuditQuery = z.infer<typeof AuditQuery>;
