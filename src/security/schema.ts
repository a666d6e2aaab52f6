import { z } from 'zod';
import { isCidr } from '../lib/cidr';

export const BanListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

export const AllowEntry = z.strictObject({
  cidr: z
    .string()
    .trim()
    .max(49, 'must be at most 49 characters')
    .refine(isCidr, 'must be an IPv4 or IPv6 address, or a network such as 203.0.113.0/24'),
  note: z
    .string()
    .trim()
    .max(120, 'must be at most 120 characters')
    .regex(
      /^[\p{L}\p{M}\p{N} .,'_&@+/()-]*$/u,
      "may contain only letters, digits, spaces and . , ' _ & @ + / ( ) -",
    )
    .nullable()
    .optional(),
});
export type AllowEntryInput = z.infer<typeof AllowEntry>;
