import { destinationGoto } from '../destinations';
import { confTemplate } from '../render/engine';
import type { DesiredState } from '../render/state';

// [sb-emergency] exists only while emergency mode is on: routingView sends the inbound routes in
// its scope here, and switching it off removes both.
export function renderEmergency(state: DesiredState): string {
  const e = state.emergency;
  if (!e.active) return '';
  const greeting = state.greetings.find((g) => g.id === e.greetingId);
  return confTemplate('dialplan-emergency')({
    sound: greeting?.sound ?? null,
    dest: destinationGoto(e.destination ?? { type: 'hangup', target: '' }),
  });
}
