import { z } from 'zod';

export const CALLBACK_STATUSES = [
  'pending',
  'waiting',
  'agent_ringing',
  'dialing_caller',
  'connected',
  'done',
  'failed',
  'cancelled',
] as const;
export type CallbackStatus = (typeof CALLBACK_STATUSES)[number];

// Still to be called back (or being called back right now).
export const OPEN_STATUSES: readonly CallbackStatus[] = [
  'pending',
  'waiting',
  'agent_ringing',
  'dialing_caller',
  'connected',
];

// What a caller may key in as the number to call back, and what a caller ID must look like to
// be offered: digits only, as the outbound routes dial them.
export const CallbackNumber = z.string().regex(/^[0-9]{3,20}$/, 'must be 3 to 20 digits');

export const ListCallbacksQuery = z
  .object({
    status: z.enum(CALLBACK_STATUSES).optional(),
    queue: z
      .string()
      .regex(/^[0-9]{1,20}$/, 'must be a queue number (digits)')
      .optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
  })
  .strict();
export type ListCallbacksQuery = z.infer<typeof ListCallbacksQuery>;

export const CallbackId = z.coerce.number().int().min(1).max(2_147_483_647);

export interface CallbackView {
  id: number;
  queue: string;
  number: string;
  caller: string; // the caller ID of the call that asked ('' withheld)
  position: number;
  priority: number;
  status: CallbackStatus;
  attempts: number;
  requested_at: string;
  next_attempt_at: string;
  last_error: string | null;
  connected_at: string | null;
  closed_at: string | null;
  closed_by: string | null;
}
