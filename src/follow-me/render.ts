import { destinationGoto } from '../destinations';
import { confTemplate } from '../render/engine';
import type { DesiredState } from '../render/state';
import { memberDialString } from '../ring-groups';
import { cosContext } from '../routes';

export function followMeView(state: DesiredState) {
  const classes = new Map(state.extensions.map((e) => [e.number, e.classes]));
  const entries = [...state.followMe]
    .filter((f) => f.steps.length > 0)
    .sort((a, b) => a.extension.length - b.extension.length || (a.extension < b.extension ? -1 : 1))
    .map((f) => ({
      extension: f.extension,
      // A user picks their own follow-me numbers: they go out with the user's classes of service
      // (sb-dest-external honours SB_OUT_CONTEXT), never more, so follow-me is no toll bypass.
      outContext: cosContext(classes.get(f.extension) ?? []),
      steps: f.steps.map((s) => ({
        dial: memberDialString(s),
        seconds: s.ringSeconds,
        external: s.kind === 'external',
      })),
      final: destinationGoto(f.finalDestination),
      finalExternal: f.finalDestination.type === 'external',
    }));
  return { entries };
}

// Pure: context sb-followme, one entry per extension with follow-me on (sb-extension-dial goes
// there when the entry exists). Empty when nobody has follow-me on.
export function renderFollowMeDialplan(state: DesiredState): string {
  const view = followMeView(state);
  if (view.entries.length === 0) return '';
  return confTemplate('dialplan-follow-me')(view);
}
