import { confTemplate } from '../render/engine';
import type { DesiredState } from '../render/state';

export const DEFAULT_ARI_APP = 'switchboard';

// Always rendered, even empty: every extension context includes sb-feature-codes, and Asterisk
// warns on each reload about an include of a context that does not exist. A code appears only
// when it has something to act on (a time condition; an emergency PIN) and is enabled on the
// feature-codes page (state.featureCodes).
export function renderFeatureCodes(state: DesiredState): string {
  const tc = state.featureCodes['tc-override'];
  const emergency = state.featureCodes['emergency'];
  return confTemplate('dialplan-feature-codes')({
    app: state.settings.ariApp ?? DEFAULT_ARI_APP,
    timeConditions: tc && state.timeConditions.length > 0 ? { pattern: `_${tc}X!`, length: tc.length } : null,
    emergency: emergency && state.emergency.pinSet === true ? emergency : null,
  });
}
