// This feature's part of the desired state (what the renderer works from): its types, and its
// keys of DesiredState, merged in by declaration so render/ and apply/ never import this file.
import type { DestinationState } from '../render/state';

export interface OutboundRouteState {
  id: number;
  name: string;
  position: number;
  patterns: string[];
  strip: number;
  prepend: string;
  callerIdNumber: string | null;
  class: string;
  trunks: string[];
}

export interface InboundRouteState {
  id: number;
  name: string;
  position: number;
  did: string;
  callerId: string | null;
  destination: DestinationState;
  callerIdNamePrefix: string;
  // Caller priority in any queue this call reaches (SB_QUEUE_PRIO); 0 or absent: none.
  queuePriority?: number;
  // Set as the caller's channel language before the destination; absent or null: the trunk's.
  language?: string | null;
}

export interface BlockedCallerState {
  pattern: string;
  action: 'hangup' | 'busy';
}

declare module '../render/state' {
  interface DesiredState {
    outboundRoutes: OutboundRouteState[];
    inboundRoutes: InboundRouteState[];
    blockedCallers: BlockedCallerState[];
  }
}
