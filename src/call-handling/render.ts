import { DEFAULT_ARI_APP } from '../feature-codes';
import { confTemplate } from '../render/engine';
import type { DesiredState } from '../render/state';

const PLAIN = ['dnd-toggle', 'cfu-off', 'cfb-off', 'cfna-off'] as const;
const WITH_NUMBER = ['cfu-on', 'cfb-on', 'cfna-on'] as const;

// The phone's codes for forwarding, do-not-disturb and blocking; a disabled code is absent from
// state.featureCodes and so from the dialplan. The context is rendered even when empty: every
// extension context includes it. The ringing side lives in sb-extension-dial (extensions.conf).
export function renderCallHandlingDialplan(state: DesiredState): string {
  const codes = state.featureCodes;
  const plain = PLAIN.flatMap((action) => (codes[action] ? [{ action, code: codes[action] }] : []));
  const withNumber = WITH_NUMBER.flatMap((action) => {
    const code = codes[action];
    return code ? [{ action, pattern: `_${code}X.`, length: code.length }] : [];
  });
  return confTemplate('dialplan-call-handling')({
    app: state.settings.ariApp ?? DEFAULT_ARI_APP,
    plain,
    withNumber,
    blockLast: codes['block-last'] ?? null,
  });
}
