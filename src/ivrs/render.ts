import { destinationGoto } from '../destinations';
import type { GreetingState } from '../greetings';
import { confTemplate } from '../render/engine';
import type { DesiredState } from '../render/state';
import { directDialPatterns } from './direct-dial';

// What Background/Playback take for a greeting, or null when it has no audio yet: a menu then
// waits silently rather than failing on a missing file (Background on a missing file hangs up).
export function greetingSound(greetings: readonly GreetingState[], id: number | null): string | null {
  if (id === null) return null;
  const g = greetings.find((x) => x.id === id);
  return g && g.languages.length > 0 ? g.sound : null;
}

export function ivrView(state: DesiredState) {
  const directDial = directDialPatterns(state.settings.extensionRange);
  const ivrs = [...state.ivrs]
    .sort((a, b) => a.id - b.id)
    .map((ivr) => ({
      id: ivr.id,
      context: `sb-ivr-${ivr.id}`,
      prompt: greetingSound(state.greetings, ivr.promptGreetingId),
      retryPrompt: greetingSound(state.greetings, ivr.retryGreetingId),
      timeout: ivr.timeoutSeconds,
      maxRetries: ivr.maxRetries,
      final: destinationGoto(ivr.invalidDestination),
      // `#` cannot pass a conf helper (it opens #include): the template writes it literally.
      options: ivr.options.map((o) => ({
        hash: o.digit === '#',
        digit: o.digit,
        dest: destinationGoto(o.destination),
        language: o.language ?? null,
      })),
      repeat: ivr.repeatDigit === null ? null : { hash: ivr.repeatDigit === '#', digit: ivr.repeatDigit },
      directDial: ivr.directDial ? directDial : [],
    }));
  return { ivrs };
}

// Pure: the IVR part of extensions.conf (empty when there is no IVR).
export function renderIvrDialplan(state: DesiredState): string {
  if (state.ivrs.length === 0) return '';
  return confTemplate('dialplan-ivr')(ivrView(state));
}
