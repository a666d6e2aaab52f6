import { z } from 'zod';

export const BanListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
