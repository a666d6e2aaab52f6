import { confTemplate } from '../../render/engine';
import type { DesiredState } from '../../render/state';
import type { VoicemailBoxState } from './state';

// The display name is voicemail.conf's directory name; a comma would start the next field and
// parentheses/pipes mean nothing there, so anything but plain name characters becomes a space.
function directoryName(name: string): string {
  return name.replace(/[^A-Za-z0-9 ._'&@+-]/g, ' ').trim() || 'Mailbox';
}

function sorted(boxes: readonly VoicemailBoxState[]): VoicemailBoxState[] {
  return [...boxes].sort((a, b) => a.number.length - b.number.length || (a.number < b.number ? -1 : 1));
}

export function renderVoicemailConf(state: DesiredState): string {
  return confTemplate('voicemail.conf')({
    boxes: sorted(state.voicemailBoxes).map((b) => ({
      number: b.number,
      name: directoryName(b.name),
    })),
  });
}

export function renderVoicemailDialplan(state: DesiredState): string {
  const boxes = sorted(state.voicemailBoxes);
  return confTemplate('dialplan-voicemail')({
    boxes: boxes.map((b) => ({ number: b.number })),
    noPin: boxes.filter((b) => b.skipPinFromOwnPhone).map((b) => b.number),
    // Boxes a PIN opens, once Switchboard's Stasis app has checked it.
    withPin: boxes.filter((b) => b.pinSet).map((b) => b.number),
    app: state.settings.ariApp ?? 'switchboard',
    // The codes as configured on the feature-codes page; a disabled one is not rendered.
    ownCode: state.featureCodes['voicemail-own'] ?? null,
    anyCode: state.featureCodes['voicemail-any'] ?? null,
  });
}
