import { z } from 'zod';

export const CreateBackup = z
  .object({
    // Call recordings can be most of the bytes: in only when asked for.
    recordings: z.boolean().default(false),
  })
  .strict();
