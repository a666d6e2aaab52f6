// This feature's part of the desired state (what the renderer works from): its types, and its
// keys of DesiredState, merged in by declaration so render/ and apply/ never import this file.
import type { DestinationState } from '../render/state';

export interface EmergencyState {
  active: boolean;
  allRoutes: boolean; // false: only routeIds
  routeIds: number[];
  greetingId: number | null;
  destination: DestinationState | null;
  pinSet?: boolean; // the *99 feature code takes a PIN (never the PIN itself)
}

// ---- voicemail (src/voicemail/boxes)

declare module '../render/state' {
  interface DesiredState {
    emergency: EmergencyState;
  }
}
