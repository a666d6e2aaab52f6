// This feature's part of the desired state (what the renderer works from): its types, and its
// keys of DesiredState, merged in by declaration so render/ and apply/ never import this file.
import '../../render/state';

export interface VoicemailBoxState {
  number: string; // the extension's number, also the mailbox in voicemail context "switchboard"
  name: string; // the extension's display name (voicemail.conf's directory name)
  // A PIN is set (its hash stays in MariaDB: Switchboard checks it before VoiceMailMain).
  pinSet: boolean;
  skipPinFromOwnPhone: boolean; // *97 from the box's own endpoint opens it without the PIN
}

// ---- call distribution (issue 5): queues, ring groups, follow-me, call handling, music on hold

declare module '../../render/state' {
  interface DesiredState {
    voicemailBoxes: VoicemailBoxState[];
  }
}
