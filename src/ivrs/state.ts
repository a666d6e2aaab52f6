// This feature's part of the desired state (what the renderer works from): its types, and its
// keys of DesiredState, merged in by declaration so render/ and apply/ never import this file.
import type { DestinationState } from '../render/state';

export interface IvrOptionState {
  digit: string; // 0-9, * or #
  destination: DestinationState;
  language?: string | null; // set on the channel before the destination; absent or null: unchanged
}

export interface IvrState {
  id: number;
  name: string;
  promptGreetingId: number | null;
  options: IvrOptionState[];
  directDial: boolean; // callers may dial an extension number at the prompt
  repeatDigit: string | null; // a digit that replays the prompt
  timeoutSeconds: number;
  maxRetries: number; // tries after the first; one more wrong or missing key → invalidDestination
  retryGreetingId: number | null; // played before the prompt on a retry
  invalidDestination: DestinationState;
}

declare module '../render/state' {
  interface DesiredState {
    ivrs: IvrState[];
  }
}
