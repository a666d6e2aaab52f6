import { confTemplate } from '../render/engine';
import type { DesiredState } from '../render/state';
import { EXTENSION_DEFAULTS } from './repo';

// In the dialplan, 0 is "no limit".
const orZero = (n: number | null) => n ?? 0;

// Pure: the guard's contexts, always rendered (every outbound route's dial context calls
// sb-toll-guard; sb-trunk-dial calls sb-spend-trunk, and its pre-dial handler sb-spend-count, so
// an international call's concurrent count sits on the outgoing channel).
export function renderTollGuardDialplan(state: DesiredState): string {
  // Golden states written before the guard existed have no tollGuard: nothing granted, no overrides.
  const g = state.tollGuard ?? { forwardExternal: [], extensionLimits: [], trunkLimits: [] };
  return confTemplate('dialplan-toll-guard')({
    forwardExternal: g.forwardExternal,
    defaults: {
      maxConcurrent: orZero(EXTENSION_DEFAULTS.intl_max_concurrent),
      maxDaily: orZero(EXTENSION_DEFAULTS.intl_max_daily),
    },
    extensionLimits: g.extensionLimits.map((e) => ({
      extension: e.extension,
      maxConcurrent: orZero(e.maxConcurrent),
      maxDaily: orZero(e.maxDaily),
    })),
    trunkLimits: g.trunkLimits.map((t) => ({
      trunk: t.trunk,
      maxConcurrent: orZero(t.maxConcurrent),
      maxDaily: orZero(t.maxDaily),
    })),
  });
}
