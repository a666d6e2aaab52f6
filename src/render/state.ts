// The desired state the renderer works from, read from MySQL by the features' state loaders.
// Each feature declares its own keys of DesiredState in its state.ts (`declare module`), so this
// layer names no feature and a new feature adds its slice without touching render/ or apply/.

export interface DestinationState {
  type: string;
  target: string;
}

export interface DialplanSettings {
  extensionRange: { min: number; max: number };
  ringSeconds: number;
  // The Stasis app that takes feature-code calls (PIN entry); 'switchboard' when absent.
  ariApp?: string;
}

export interface RenderedFile {
  name: string;
  content: string;
  // For files made of one chunk per object (pjsip.conf): id → that object's text, so the apply
  // can tell which objects changed without parsing the whole file.
  sections?: ReadonlyMap<string, string>;
}

export interface DesiredState {
  settings: DialplanSettings;
}

// The name of one feature's part of the state, e.g. 'queues'.
export type SliceKey = Exclude<keyof DesiredState, 'settings'>;
