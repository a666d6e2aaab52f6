import { z } from 'zod';
import { Destination } from '../destinations';
import { Pin } from '../time-conditions';

// Fields left out keep their current value: {"active": false} just switches it off.
export const EmergencyInput = z.strictObject({
  active: z.boolean(),
  // true: every inbound route; false: only route_ids.
  all_routes: z.boolean().optional(),
  route_ids: z.array(z.number().int().min(1).max(2_147_483_647)).max(500).optional(),
  greeting_id: z.number().int().min(1).max(2_147_483_647).nullable().optional(),
  destination: Destination.nullable().optional(),
});
export type EmergencyInput = z.infer<typeof EmergencyInput>;

export const EmergencyPinInput = z.strictObject({ pin: Pin.nullable() });
