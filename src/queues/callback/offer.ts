import type { Ari } from '../../asterisk/ari';
import { DtmfSession, type DtmfTiming } from '../../asterisk/dtmf-session';

// One caller in Stasis being offered a callback: answers of up to 20 digits, and a question is
// skipped once any key has been typed ahead of it.

export { CallEnded } from '../../asterisk/dtmf-session';
export type OfferTiming = DtmfTiming;

export class OfferSession extends DtmfSession {
  constructor(ari: Ari, channelId: string, timing: OfferTiming) {
    super(ari, channelId, {
      timing,
      maxDigits: 20,
      answeredAhead: (digits) => digits !== '',
      playbackPrefix: 'sb-callback',
    });
  }
}
