import type { Deps } from '../../deps';
import { type DeliveryOptions, VoicemailDelivery } from './job';

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

// node-cron takes a seconds field: every N s for N < 60, every N/60 min for whole minutes.
export function cronEvery(seconds: number): string {
  if (seconds < 60) return `*/${seconds} * * * * *`;
  return `0 */${Math.round(seconds / 60)} * * * *`;
}
