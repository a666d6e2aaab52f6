import type { DialplanSettings, ExtensionState } from '../render/types';
import { cosContext } from '../routes/render';

export function endpointView(e: ExtensionState) {
  return {
    id: e.number,
    username: e.number,
    password: e.sipSecret,
    context: cosContext(e.classes),
    outboundCallerId: e.outboundCallerId,
    codecs: e.codecs,
    callerIdName: e.callerIdName ?? e.displayName,
    callerIdNumber: e.callerIdNumber ?? e.number,
    maxContacts: e.maxContacts,
    // MWI: the box of the same number in voicemail context "switchboard" (src/voicemail/boxes).
    mailbox: e.voicemailEnabled ? `${e.number}@switchboard` : null,
  };
}

// One digits-only pattern per number length in the configured range: `_Z` then `X`s.
export function dialplanView(settings: DialplanSettings) {
  const { min, max } = settings.extensionRange;
  const patterns: string[] = [];
  for (let len = String(min).length; len <= String(max).length; len++)
    patterns.push(`_Z${'X'.repeat(len - 1)}`);
  return { patterns, min, max, ringSeconds: settings.ringSeconds };
}
