// This feature's part of the desired state (what the renderer works from): its types, and its
// keys of DesiredState, merged in by declaration so render/ and apply/ never import this file.
import type { DestinationState } from '../render/state';

export interface FollowMeStepState {
  kind: 'extension' | 'external'; // the extension itself is a step of kind extension
  target: string;
  ringSeconds: number;
  confirm: boolean; // external only
}

export interface FollowMeState {
  extension: string; // whose calls follow the steps
  steps: FollowMeStepState[];
  finalDestination: DestinationState; // after the last step; voicemail by default
}

declare module '../render/state' {
  interface DesiredState {
    followMe: FollowMeState[];
  }
}
