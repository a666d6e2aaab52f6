import { destinationGoto } from '../destinations';
import { greetingSound } from '../ivrs';
import { confTemplate } from '../render/engine';
import type { DesiredState } from '../render/state';

export function announcementView(state: DesiredState) {
  return {
    announcements: [...state.announcements]
      .sort((a, b) => a.id - b.id)
      .map((a) => ({
        id: a.id,
        context: `sb-announcement-${a.id}`,
        sound: greetingSound(state.greetings, a.greetingId),
        dest: destinationGoto(a.destination),
      })),
  };
}

// Pure: the announcement part of extensions.conf (empty when there is none).
export function renderAnnouncementDialplan(state: DesiredState): string {
  if (state.announcements.length === 0) return '';
  return confTemplate('dialplan-announcement')(announcementView(state));
}
