import { accessSync, constants, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { delimiter, join } from 'node:path';
import type { AnalyticsPipeline } from './analytics/pipeline';
import { createApp } from './app';
import { Applier, type AsteriskTarget } from './apply/apply';
import { ApplyQueue } from './apply/queue';
import { AmiControl } from './asterisk/ami';
import { Ari } from './asterisk/ari';
import { AsteriskCli } from './asterisk/cli';
import { ContactDirectory } from './asterisk/contacts';
import { type AsteriskControl, CliControl } from './asterisk/control';
import { purgeAudit } from './audit';
import { purgeExpiredSessions } from './auth/sessions';
import { skipExistingCallData } from './calldata/ingest';
import type { Config } from './config';
import type { Runtime } from './core/feature';
import { createKnex, ensureDatabase } from './db/knex';
import { sealStoredSecrets } from './db/sealed-columns';
import type { Deps } from './deps';
import { FEATURES, renderAll, stateLoader } from './features';
import { OpenApiRegistry } from './http/openapi';
import { startJobs } from './jobs';
import { createLogger, type Logger } from './lib/log';
import { loadSealingKey } from './lib/sealed';
import { createMetrics } from './ops/metrics';

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
  // Before anything reads a secret: load (or create) the key, then seal what is still in clear.
  loadSealingKey(config.secretsKeyFile);
  const sealedNow = await sealStoredSecrets(
    db,
    FEATURES.flatMap((f) => f.sealed ?? []),
  );
  if (sealedNow > 0) log.info({ count: sealedNow }, 'sealed stored secrets that were in clear');
  if (config.analytics.history === 'skip') await skipExistingCallData(db, config.asteriskLogDir);
  const metrics = createMetrics();
  const ari = new Ari(config.ari, log);
  const target: AsteriskTarget = { name: 'local', configDir: config.asteriskConfigDir, ari };
  const settings = {
    extensionRange: config.extensionRange,
    ringSeconds: config.ringSeconds,
    media: config.media,
    ariApp: config.ari.app,
  };
  const runtimes = new Map<string, Runtime>();
  const applier = new Applier(db, target, stateLoader(db, settings), renderAll, log, {
    onApplied: (rev) => {
      for (const runtime of runtimes.values()) runtime.applied?.(rev);
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
    control: asteriskControl(config, log),
    contacts: new ContactDirectory(ari),
    applyQueue,
    metrics,
    openapi: new OpenApiRegistry(),
    lifecycle: { onStop: (fn) => stopHooks.push(fn) },
    // The trace and the diagram read the same state the renderer does, whole and fresh.
    desiredState: () => stateLoader(db, settings).load(null),
  };
  const app = createApp(deps);
  // Started before the event socket opens, so no feature-code call is missed.
  for (const feature of FEATURES) if (feature.start) runtimes.set(feature.name, feature.start(deps));
  void ari.startEvents();
  const jobs = startJobs(log, [
    { name: 'purge-sessions', cron: '*/15 * * * *', run: () => purgeExpiredSessions(db) },
    {
      name: 'purge-audit-log',
      cron: '17 3 * * *',
      run: async () => {
        await purgeAudit(db, config.auditRetentionDays);
      },
    },
    ...[...runtimes.values()].flatMap((r) => r.jobs ?? []),
  ]);
  const analytics = runtimes.get('analytics')?.handle as AnalyticsPipeline;

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
      for (const runtime of [...runtimes.values()].reverse()) await runtime.stop();
      await applyQueue.drain();
      await ari.stop();
      await deps.control.close();
      await db.destroy();
    },
  };
  return sb;
}

// The CLI on the Asterisk host, or the AMI over the network (docs/operations/install.md).
function asteriskControl(config: Config, log: Logger): AsteriskControl {
  const c = config.asteriskControl;
  if (c.via === 'cli') {
    const bin = config.asteriskCli[0] ?? '';
    // In a container or on another host there is no asterisk binary: say so once, at start,
    // rather than in every failed queue, trunk or astdb read.
    if (!onPath(bin))
      log.warn(
        { ASTERISK_CLI: config.asteriskCli.join(' ') },
        'ASTERISK_CLI is not on this host: queue agents, trunk registration status, the wallboard queues and the astdb mirror will fail; with Asterisk on another host set AMI_URL (docs/operations/install.md)',
      );
    return new CliControl(new AsteriskCli(config.asteriskCli));
  }
  return new AmiControl({
    url: c.url,
    username: c.username,
    secret: c.secret,
    ...(c.caFile ? { ca: readFileSync(c.caFile, 'utf8') } : {}),
  });
}

function onPath(bin: string): boolean {
  const candidates = bin.includes('/')
    ? [bin]
    : (process.env['PATH'] ?? '').split(delimiter).map((dir) => join(dir, bin));
  return candidates.some((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
