import type { Deps } from '../../deps';
import { type DeliveryOptions, VoicemailDelivery } from './job';

export { cronEvery } from '../../lib/cron';
export { type Transcribe, VoicemailDelivery } from './job';
export { emailSettingsPages } from './pages';
export { deliveryRoutes, smtpRoutes } from './routes';

// The job as the app runs it; the composition root passes the transcription hook (if any).
export function createVoicemailDelivery(
  deps: Pick<Deps, 'db' | 'log' | 'config'>,
  extra: Pick<DeliveryOptions, 'transcribe' | 'onSpoolChanged'> = {},
): VoicemailDelivery {
  return new VoicemailDelivery(deps.db, deps.log, {
    spoolDir: deps.config.asteriskSpoolDir,
    retrySeconds: deps.config.voicemailDelivery.retrySeconds,
    ...extra,
  });
}
