// This feature's part of the desired state (what the renderer works from): its types, and its
// keys of DesiredState, merged in by declaration so render/ and apply/ never import this file.
import type { DestinationState } from '../render/state';

export interface AnnouncementState {
  id: number;
  name: string;
  greetingId: number;
  destination: DestinationState;
}

declare module '../render/state' {
  interface DesiredState {
    announcements: AnnouncementState[];
  }
}
