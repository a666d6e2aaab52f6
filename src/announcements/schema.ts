import { z } from 'zod';
import { Destination } from '../destinations';
import { IvrName } from '../ivrs';

export const Announcement = z.strictObject({
  name: IvrName,
  greeting_id: z
    .number()
    .int()
    .min(1)
    .max(2 ** 31, 'must be the id of a greeting'),
  destination: Destination,
});
export type AnnouncementInput = z.infer<typeof Announcement>;
