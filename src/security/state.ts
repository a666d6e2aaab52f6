// This feature's part of the desired state: the addresses banned right now, merged into
// DesiredState by declaration so render/ and apply/ never import this file.
import '../render/state';

declare module '../render/state' {
  interface DesiredState {
    sipBans: string[];
  }
}
