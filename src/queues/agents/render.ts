import { DEFAULT_ARI_APP } from '../../feature-codes';
import { confTemplate } from '../../render/engine';
import type { DesiredState } from '../../render/state';

// A code that can stand literally in a dialplan pattern (the feature-codes page validates
// codes; this keeps a stray character from breaking the whole dialplan).
const CODE = /^[0-9*]{1,10}$/;

// Always rendered, even empty: every extension context includes sb-agent-codes. The codes
// appear only while some queue has members to log in or pause.
export function renderAgentCodes(state: Pick<DesiredState, 'settings' | 'featureCodes' | 'queues'>): string {
  const hasMembers = state.queues.some((q) => q.members.length > 0);
  const code = (key: string) => {
    const c = state.featureCodes[key];
    return hasMembers && c !== undefined && CODE.test(c) ? c : null;
  };
  const toggle = code('agent-toggle');
  const pause = code('agent-pause');
  return confTemplate('dialplan-agent-codes')({
    app: state.settings.ariApp ?? DEFAULT_ARI_APP,
    toggle: toggle ? { code: toggle, pattern: `_${toggle}X!`, skip: toggle.length } : null,
    pause: pause ? { code: pause } : null,
  });
}
