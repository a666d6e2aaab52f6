import { z } from 'zod';
import { FEATURE_CODE_CATALOG } from './catalog';

const KEYS = FEATURE_CODE_CATALOG.map((e) => e.key) as [string, ...string[]];

// `*` and 1 to 4 digits: nothing else reaches the dialplan as a code.
export const Code = z.string().regex(/^\*[0-9]{1,4}$/, 'must be * followed by 1 to 4 digits');

export const FeatureCodeChange = z.strictObject({
  key: z.enum(KEYS, { message: 'is not a feature of the catalog' }),
  code: Code.optional(),
  enabled: z.boolean().optional(),
});

// The codes listed change; the others keep what they are.
export const PutFeatureCodes = z.strictObject({
  items: z.array(FeatureCodeChange).min(1).max(FEATURE_CODE_CATALOG.length),
});
export type PutFeatureCodesInput = z.infer<typeof PutFeatureCodes>;

export interface FeatureCode {
  key: string;
  description: string;
  default_code: string;
  code: string;
  enabled: boolean;
  param: 'number' | 'id' | 'queue' | null;
}
