import { confTemplate } from '../render/engine';
import type { DesiredState } from '../render/types';

export const DEFAULT_ARI_APP = 'switchboard';

// Always rendered, even empty: every extension context includes sb-feature-codes, and Asterisk
// warns on each reload about an include of a context that does not exist. A code appears only
// when it has something to act on (a time condition; an emergency PIN).
export function renderFeatureCodes(state: DesiredState): string {
  return confTemplate('dialplan-feature-codes')({
    app: state.settings.ariApp ?? DEFAULT_ARI_APP,
    timeConditions: state.timeConditions.length > 0,
    emergency: state.emergency.pinSet === true,
  });
}
