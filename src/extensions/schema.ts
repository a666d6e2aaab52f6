import { z } from 'zod';
import { Language } from '../lib/language';

export const CODECS = ['ulaw', 'alaw', 'g722', 'gsm'] as const;
export const SERVICE_CLASSES = [
  'internal',
  'local',
  'national',
  'international',
  'premium',
  'emergency',
] as const;
export type ServiceClass = (typeof SERVICE_CLASSES)[number];
// International and premium stay off until an admin allows them; emergency always works.
export const DEFAULT_CLASSES: ServiceClass[] = ['internal', 'local', 'national', 'emergency'];
export const DEFAULT_CODECS: Codec[] = ['ulaw', 'alaw', 'g722'];
export type Codec = (typeof CODECS)[number];

// Allowlists, not denylists: what a person's name or a phone number may contain. Anything else
// (newline, `;`, `[`, `#`, `${`, quotes, NUL...) is a 400 long before a template sees it.
const NAME = /^[\p{L}\p{M}\p{N} .'_&@+/()-]+$/u;
const DIGITS = /^[0-9]+$/;
const SECRET = /^[A-Za-z0-9_.!@%^*+=:?~-]+$/;
const AUTH_USERNAME = /^[A-Za-z0-9_.-]+$/;

const personName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(80, 'must be at most 80 characters')
  .regex(NAME, "may contain only letters, digits, spaces and . ' _ & @ + / ( ) -");

export const CallerIdNumber = z
  .string()
  .max(20, 'must be at most 20 characters')
  .regex(/^\+?[0-9]{2,19}$/, 'must be digits, optionally starting with +');

export const Email = z
  .string()
  .max(254, 'must be at most 254 characters')
  .regex(
    /^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/,
    'must be a valid email address',
  );

export const SipSecret = z
  .string()
  // 16 when an admin types one: scanners try short and common secrets first. Generated ones
  // are 24 characters (service.ts).
  .min(16, 'must be at least 16 characters')
  .max(128, 'must be at most 128 characters')
  .regex(SECRET, 'may contain only letters, digits and _ . ! @ % ^ * + = : ? ~ -');

// The digest username a phone authenticates with, apart from the extension number (which is the
// endpoint's name and the From user) so a scanner cannot guess it from the number.
export const AuthUsername = z
  .string()
  .min(6, 'must be at least 6 characters')
  .max(40, 'must be at most 40 characters')
  .regex(AUTH_USERNAME, 'may contain only letters, digits and _ . -');

export function extensionNumber(range: { min: number; max: number }) {
  return z
    .string()
    .max(10, 'must be at most 10 digits')
    .regex(DIGITS, 'must contain digits only')
    .refine((n) => !n.startsWith('0'), 'must not start with 0')
    .refine(
      (n) => Number(n) >= range.min && Number(n) <= range.max,
      `must be between ${range.min} and ${range.max}`,
    );
}

const fields = {
  display_name: personName,
  caller_id_name: personName.nullable().optional(),
  caller_id_number: CallerIdNumber.nullable().optional(),
  email: Email.nullable().optional(),
  sip_secret: SipSecret.optional(),
  auth_username: AuthUsername.optional(),
  max_contacts: z.number().int().min(1).max(10).optional(),
  codecs: z
    .array(z.enum(CODECS, { error: () => `must be one of ${CODECS.join(', ')}` }))
    .min(1, 'at least one codec')
    .max(CODECS.length)
    .refine((c) => new Set(c).size === c.length, 'codecs must not repeat')
    .optional(),
  voicemail_enabled: z.boolean().optional(),
  classes: z
    .array(z.enum(SERVICE_CLASSES, { error: () => `must be one of ${SERVICE_CLASSES.join(', ')}` }))
    .max(SERVICE_CLASSES.length)
    .refine((c) => new Set(c).size === c.length, 'classes must not repeat')
    .optional(),
  outbound_caller_id: CallerIdNumber.nullable().optional(),
  // The phone's channel language (prompts, voicemail, greeting variants); null: the default, en.
  language: Language.nullable().optional(),
};

export function createExtensionSchema(range: { min: number; max: number }) {
  return z.strictObject({ number: extensionNumber(range), ...fields });
}

export const UpdateExtension = z.strictObject(fields);
export const PatchExtension = z.strictObject({ ...fields, display_name: personName.optional() });

export type CreateExtensionInput = z.infer<ReturnType<typeof createExtensionSchema>>;
export type UpdateExtensionInput = z.infer<typeof UpdateExtension>;
export type PatchExtensionInput = z.infer<typeof PatchExtension>;

export const ListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z
    .string()
    .regex(/^[0-9]{1,10}$/, 'must be a cursor returned by a previous page')
    .optional(),
  q: z.string().max(80).optional(),
});

export interface Extension {
  number: string;
  display_name: string;
  caller_id_name: string | null;
  caller_id_number: string | null;
  email: string | null;
  auth_username: string;
  max_contacts: number;
  codecs: Codec[];
  voicemail_enabled: boolean;
  classes: ServiceClass[];
  outbound_caller_id: string | null;
  language: string | null;
  created_at: string;
  updated_at: string;
}

export interface Registration {
  state: 'online' | 'offline' | 'unknown';
  contacts: Array<{ uri: string; status: string; user_agent: string; via_address: string }>;
}
