import type { FeatureModule } from '../core/feature';
import { cronEvery } from '../lib/cron';
import { voicemailBoxPages } from './boxes/pages';
import { renderVoicemailConf, renderVoicemailDialplan } from './boxes/render';
import { listForRender } from './boxes/repo';
import { voicemailBoxRoutes } from './boxes/routes';
import { createVoicemailDelivery, deliveryRoutes, emailSettingsPages, smtpRoutes } from './delivery';
import { visualVoicemailPages } from './visual/pages';
import { visualVoicemailRoutes } from './visual/routes';
import { transcriberFor } from './visual/service';

export const voicemailModule: FeatureModule = {
  name: 'voicemail',
  state: [{ key: 'voicemailBoxes', load: listForRender, readsAlso: ['extensions'] }],
  render: {
    dialplan: renderVoicemailDialplan,
    files: [{ name: 'voicemail.conf', render: (state) => ({ content: renderVoicemailConf(state) }) }],
  },
  // The SMTP password is read back in clear (SMTP AUTH). Box PINs are not sealed but hashed:
  // Switchboard checks them itself (boxes/pin-rule.ts, the feature-code handler).
  sealed: [{ table: 'smtp_settings', key: 'id', column: 'password' }],
  api: (deps) => [
    { path: '/api/v1/voicemail-boxes', router: voicemailBoxRoutes(deps) },
    { path: '/api/v1/smtp', router: smtpRoutes(deps) },
    { path: '/api/v1/voicemail-deliveries', router: deliveryRoutes(deps) },
    { path: '/api/v1/voicemail-boxes', router: visualVoicemailRoutes(deps) },
  ],
  pages: (deps) => [voicemailBoxPages(deps), emailSettingsPages(deps), visualVoicemailPages(deps)],
  start: (deps) => {
    const transcriber = transcriberFor(deps.db);
    // The email carries the transcription when the box asks for it (the job checks the flag).
    const delivery = createVoicemailDelivery(deps, { transcribe: transcriber.transcribeMessage });
    return {
      jobs: [
        {
          name: 'voicemail-delivery',
          cron: cronEvery(deps.config.voicemailDelivery.intervalSeconds),
          run: () => delivery.runOnce(),
          noOverlap: true,
        },
      ],
      stop: async () => {
        await delivery.stop();
        await transcriber.idle();
      },
    };
  },
};
