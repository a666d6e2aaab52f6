// This feature's part of the desired state (what the renderer works from): its types, and its
// keys of DesiredState, merged in by declaration so render/ and apply/ never import this file.
import '../render/state';

export interface TollGuardState {
  // Extensions allowed to forward externally, with their cap of forwarded calls out at once.
  forwardExternal: Array<{ extension: string; maxConcurrent: number }>;
  // International limits per extension that differ from the defaults (null: none).
  extensionLimits: Array<{ extension: string; maxConcurrent: number | null; maxDaily: number | null }>;
  trunkLimits: Array<{ trunk: string; maxConcurrent: number | null; maxDaily: number | null }>;
}

declare module '../render/state' {
  interface DesiredState {
    tollGuard: TollGuardState;
  }
}
