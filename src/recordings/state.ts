// This feature's part of the desired state (what the renderer works from): its types, and its
// keys of DesiredState, merged in by declaration so render/ and apply/ never import this file.
import '../render/state';
import type { Mode, TargetType } from './schema';

export interface RecordingPolicyState {
  targetType: TargetType;
  targetRef: string;
  mode: Mode;
}

declare module '../render/state' {
  interface DesiredState {
    // Optional so state literals written before recordings existed stay valid.
    recordingPolicies?: RecordingPolicyState[];
  }
}
