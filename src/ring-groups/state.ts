// This feature's part of the desired state (what the renderer works from): its types, and its
// keys of DesiredState, merged in by declaration so render/ and apply/ never import this file.
import type { DestinationState } from '../render/state';

export interface RingGroupMemberState {
  kind: 'extension' | 'external';
  target: string; // extension number, or a phone number for external
  confirm: boolean; // external only: the person answering must press 1 to take the call
}

export interface RingGroupState {
  number: string; // dialable; sb-dest-ring-group,<number>
  name: string;
  strategy: 'ringall' | 'hunt' | 'memoryhunt';
  ringSeconds: number;
  callerIdPrefix: string;
  members: RingGroupMemberState[];
  failoverDestination: DestinationState;
}

declare module '../render/state' {
  interface DesiredState {
    ringGroups: RingGroupState[];
  }
}
