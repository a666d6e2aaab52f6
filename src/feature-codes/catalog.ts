import type { FeatureCodeMap } from './state';

// Every code a phone can dial, with its default. The feature-codes page lists this catalog and
// may change a code or disable it; the dialplan renders state.featureCodes (defaults merged with
// the stored changes, disabled codes absent). `param` says what the caller keys in after the code.
export interface FeatureCodeEntry {
  key: string;
  code: string;
  description: string;
  param?: 'number' | 'id' | 'queue';
  // false: off until an admin enables it on the feature-codes page.
  enabledByDefault?: boolean;
}

export const FEATURE_CODE_CATALOG: readonly FeatureCodeEntry[] = [
  { key: 'voicemail-own', code: '*97', description: 'Listen to my voicemail' },
  // Off by default: from any phone, only a PIN stands between a caller and any box (the own-box
  // code *97 needs the box's own phone as well).
  {
    key: 'voicemail-any',
    code: '*98',
    description: 'Listen to any voicemail box (box number and PIN)',
    enabledByDefault: false,
  },
  { key: 'dnd-toggle', code: '*76', description: 'Do not disturb on / off' },
  { key: 'cfu-on', code: '*72', description: 'Forward all calls to a number', param: 'number' },
  { key: 'cfu-off', code: '*73', description: 'Cancel forwarding of all calls' },
  { key: 'cfb-on', code: '*90', description: 'Forward when busy to a number', param: 'number' },
  { key: 'cfb-off', code: '*91', description: 'Cancel forwarding when busy' },
  { key: 'cfna-on', code: '*52', description: 'Forward when not answered to a number', param: 'number' },
  { key: 'cfna-off', code: '*53', description: 'Cancel forwarding when not answered' },
  { key: 'block-last', code: '*32', description: 'Block the last caller who called me' },
  {
    key: 'agent-toggle',
    code: '*45',
    description: 'Queue agent log in / log out (all my queues, or one)',
    param: 'queue',
  },
  { key: 'agent-pause', code: '*46', description: 'Queue agent pause / unpause' },
  {
    key: 'tc-override',
    code: '*28',
    description: 'Time condition: force open / closed / back to automatic',
    param: 'id',
  },
  { key: 'emergency', code: '*99', description: 'Emergency mode on / off (PIN)' },
];

export function defaultFeatureCodes(): FeatureCodeMap {
  return Object.fromEntries(
    FEATURE_CODE_CATALOG.filter((e) => e.enabledByDefault !== false).map((e) => [e.key, e.code]),
  );
}
