// This feature's part of the desired state (what the renderer works from): its types, and its
// keys of DesiredState, merged in by declaration so render/ and apply/ never import this file.
import '../render/state';

export interface GreetingState {
  id: number;
  name: string;
  // What Playback/Background take: a path under Asterisk's sounds directory without extension
  // (e.g. "switchboard/greeting-12"); Asterisk picks the channel language's variant.
  sound: string;
  languages: string[];
}

declare module '../render/state' {
  interface DesiredState {
    greetings: GreetingState[];
  }
}
