import { z } from 'zod';

// Asterisk's msg_id (apps/app_voicemail.c generate_msg_id): "%ld-%08x", the creation time in
// seconds and a per-process counter in 8 hex digits, e.g. "1763912345-0000000a".
export const MsgId = z
  .string()
  .regex(/^[0-9]{1,20}-[0-9a-f]{8}$/, 'must be an Asterisk msg_id like 1763912345-0000000a');

export const BoxNumberParam = z.string().regex(/^[0-9]{1,20}$/, 'must be an extension number');

export const MessageParams = z.strictObject({ number: BoxNumberParam, msgId: MsgId });
export const BoxMessagesParams = z.strictObject({ number: BoxNumberParam });

export const AudioQuery = z.object({ download: z.enum(['0', '1']).optional() });

export type TranscriptionState = 'done' | 'pending' | 'off' | 'no-audio';

export interface VisualMessage {
  id: string;
  folder: string;
  new: boolean;
  index: number;
  caller_id: string;
  caller_name: string;
  caller_number: string;
  received_at: string;
  duration_seconds: number;
  formats: string[];
  transcription: string | null;
  transcription_state: TranscriptionState;
  audio_url: string;
}

export interface VisualBox {
  box: string;
  transcribe: boolean;
  counts: { new: number; old: number };
  items: VisualMessage[];
}
