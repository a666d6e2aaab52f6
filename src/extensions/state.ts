// This feature's part of the desired state (what the renderer works from): its types, and its
// keys of DesiredState, merged in by declaration so render/ and apply/ never import this file.
import '../render/state';

export interface ExtensionState {
  number: string;
  displayName: string;
  callerIdName: string | null;
  callerIdNumber: string | null;
  email: string | null;
  sipSecret: string;
  authUsername: string;
  maxContacts: number;
  codecs: string[];
  voicemailEnabled: boolean;
  classes: string[];
  outboundCallerId: string | null;
  language: string | null; // null: DEFAULT_LANGUAGE
}

declare module '../render/state' {
  interface DesiredState {
    extensions: ExtensionState[];
  }
}
