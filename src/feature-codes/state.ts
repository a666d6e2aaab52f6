// This feature's part of the desired state (what the renderer works from): its types, and its
// keys of DesiredState, merged in by declaration so render/ and apply/ never import this file.
import '../render/state';

export type FeatureCodeMap = Readonly<Record<string, string>>;

declare module '../render/state' {
  interface DesiredState {
    featureCodes: FeatureCodeMap;
  }
}
