import { z } from 'zod';
import { RowId } from '../http/parse';
import { Language } from '../lib/language';
import { displayName } from '../lib/names';

// Uploads above this are refused before any conversion runs.
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
// Longer audio is cut: a greeting is a prompt, not a programme.
export const MAX_GREETING_SECONDS = 600;
export const MAX_TTS_CHARS = 1000;
export const MAX_RECORD_SECONDS = 300;

export const GreetingName = displayName();

const Description = z
  .string()
  .max(500)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  .regex(/^[^\x00-\x1f\x7f]*$/, 'no control characters');

export const TtsText = z
  .string()
  .trim()
  .min(1, 'the text to speak is empty')
  .max(MAX_TTS_CHARS)
  // Spoken text only: no control characters, and none of the characters that mean something to a
  // config file, a shell or markup, although the text never reaches any of them.
  .regex(
    /^[\p{L}\p{M}\p{N} .,!?'"’‘“”:()\-/&%+*@€£]+$/u,
    `letters, digits, spaces and . , ! ? ' " : ( ) - / & % + * @ only`,
  );

// The shape of an espeak-ng voice name; membership in `espeak-ng --voices` is checked after.
export const TtsVoice = z
  .string()
  .max(40)
  .regex(/^[a-z]{2,3}(-[a-z0-9]{1,12}){0,3}$/, 'an espeak-ng voice such as en, en-gb or fr-fr');

// Flat on purpose: the same fields arrive as JSON or as multipart form fields next to a file.
export const CreateGreeting = z.strictObject({
  name: GreetingName,
  description: Description.default(''),
  default_language: Language,
  tts_text: TtsText.optional(),
  tts_voice: TtsVoice.optional(),
});
export type CreateGreetingInput = z.infer<typeof CreateGreeting>;

export const UpdateGreeting = z.strictObject({
  name: GreetingName.optional(),
  description: Description.optional(),
  default_language: Language.optional(),
});
export type UpdateGreetingInput = z.infer<typeof UpdateGreeting>;

// A variant's audio: text to speak, or (multipart) a file in the `file` field.
export const VariantBody = z.strictObject({
  tts_text: TtsText.optional(),
  tts_voice: TtsVoice.optional(),
});
export type VariantInput = z.infer<typeof VariantBody>;

export const Extension = z.string().regex(/^[0-9]{2,10}$/, 'an extension number');

export const RecordByPhone = z.strictObject({
  extension: Extension,
  language: Language,
  max_seconds: z.number().int().min(2).max(MAX_RECORD_SECONDS).default(60),
});
export type RecordByPhoneInput = z.infer<typeof RecordByPhone>;

export const PlayToPhone = z.strictObject({
  extension: Extension,
  language: Language.optional(),
});
export type PlayToPhoneInput = z.infer<typeof PlayToPhone>;

export const GreetingParams = z.strictObject({ id: RowId });
export const VariantParams = z.strictObject({ id: RowId, language: Language });
export const JobParams = z.strictObject({ job: z.string().regex(/^[a-f0-9]{16}$/, 'a job id') });
