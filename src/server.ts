import type { Server } from 'node:http';
import { type AnalyticsPipeline, createAnalyticsPipeline } from './analytics/pipeline';
import { createApp } from './app';
import { Applier, type AsteriskTarget } from './apply/apply';
import { ApplyQueue } from './apply/queue';
import { Ari } from './asterisk/ari';
import { AsteriskCli } from './asterisk/cli';
import { startCallHandling } from './call-handling';
import { skipExistingCallData } from './calldata/ingest';
import type { Config } from './config';
import { createKnex, ensureDatabase } from './db/knex';
import type { Deps } from './deps';
import { ContactDirectory } from './extensions/contacts';
import { startFeatureCodes } from './feature-codes';
import { OpenApiRegistry } from './http/openapi';
import { startJobs } from './jobs';
import { createLogger, type Logger } from './lib/log';
import { createMetrics } from './ops/metrics';
import { type QueueAgentsRuntime, startQueueAgents } from './queues/agents';
import { startQueueCallbacks } from './queues/callback';
import { startReportScheduler } from './reports/schedules/scheduler';
import { createVoicemailDelivery } from './voicemail/delivery';
import { transcriberFor } from './voicemail/visual/service';

export interface Switchboard {
  deps: Deps;
  analytics: AnalyticsPipeline;
  server: Server | null;
  listen(): Promise<number>;
  stop(): Promise<void>;
}

// Composition root shared by main.ts and the tests: config → knex → ARI → apply queue → app.
export async function createSwitchboard(config: Config, logger?: Logger): Promise<Switchboard> {
  const log = logger ?? createLogger(config.logLevel);
  await ensureDatabase(config.databaseUrl);
  const db = createKnex(config.databaseUrl);
  await db.migrate.latest();
  if (config.analytics.history === 'skip') await skipExistingCallData(db, config.asteriskLogDir);
  const metrics = createMetrics();
  const ari = new Ari(config.ari, log);
  const target: AsteriskTarget = { name: 'local', configDir: config.asteriskConfigDir, ari };
  const settings = {
    extensionRange: config.extensionRange,
    ringSeconds: config.ringSeconds,
    ariApp: config.ari.app,
  };
  let queueAgents: QueueAgentsRuntime | undefined;
  const applier = new Applier(db, target, settings, log, {
    onApplied: (rev) => {
      queueAgents?.applied(rev);
      metrics.applies.inc({ status: rev.status });
      metrics.applyDuration.observe({ status: rev.status }, rev.durationMs / 1000);
    },
  });
  const applyQueue = new ApplyQueue(applier, config.applyDebounceMs);
  const stopHooks: Array<() => Promise<void> | void> = [];
  const deps: Deps = {
    config,
    db,
    log,
    ari,
    cli: new AsteriskCli(config.asteriskCli),
    contacts: new ContactDirectory(ari),
    applyQueue,
    metrics,
    openapi: new OpenApiRegistry(),
    lifecycle: { onStop: (fn) => stopHooks.push(fn) },
  };
  const app = createApp(deps);
  // Subscribed before the event socket opens, so no feature-code call is missed.
  const featureCodes = startFeatureCodes(deps);
  const callHandling = startCallHandling(deps);
  queueAgents = startQueueAgents(deps);
  const queueCallbacks = startQueueCallbacks(deps);
  void ari.startEvents();
  const transcriber = transcriberFor(db);
  // The email carries the transcription when the box asks for it (the job checks the flag).
  const voicemailDelivery = createVoicemailDelivery(deps, { transcribe: transcriber.transcribeMessage });
  const analytics = createAnalyticsPipeline(deps);
  const jobs = startJobs(deps, { voicemailDelivery, analytics });
  const reportScheduler = startReportScheduler(deps);

  const sb: Switchboard = {
    deps,
    analytics,
    server: null,
    listen: () =>
      new Promise((resolve, reject) => {
        const server = app.listen(config.port, config.host, () => {
          const addr = server.address();
          resolve(typeof addr === 'object' && addr ? addr.port : config.port);
        });
        server.on('error', reject);
        sb.server = server;
      }),
    // Graceful: stop taking requests, let the running apply finish, then close ARI and the pool.
    stop: async () => {
      for (const hook of stopHooks) await hook();
      if (sb.server) {
        const server = sb.server;
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
      }
      await jobs.stop();
      await reportScheduler.stop();
      await voicemailDelivery.stop();
      await transcriber.idle();
      await featureCodes.stop();
      await callHandling.stop();
      await queueAgents?.stop();
      await queueCallbacks.stop();
      await applyQueue.drain();
      await ari.stop();
      await db.destroy();
    },
  };
  return sb;
}
