// The desired state the renderer works from, read from MySQL by the features' state loaders.
// Each feature declares its own keys of DesiredState in its state.ts (`declare module`), so this
// layer names no feature and a new feature adds its slice without touching render/ or apply/.

export interface DestinationState {
  type: string;
  target: string;
}

// How Asterisk ends calls whose far side vanished (a phone unplugged, a carrier gone, no BYE):
// no RTP for rtpTimeout seconds (rtpTimeoutHold while on hold) hangs the channel up; session
// timers refresh every sessionExpires/2 and end a dialog nobody refreshes. 0 turns a timeout off.
export interface MediaTimers {
  rtpTimeout: number;
  rtpTimeoutHold: number;
  sessionExpires: number;
}

export const DEFAULT_MEDIA_TIMERS: MediaTimers = Object.freeze({
  rtpTimeout: 30,
  rtpTimeoutHold: 300,
  sessionExpires: 1800,
});

export interface DialplanSettings {
  extensionRange: { min: number; max: number };
  ringSeconds: number;
  // Absent: DEFAULT_MEDIA_TIMERS.
  media?: MediaTimers;
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
