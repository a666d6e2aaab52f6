import { ensureFirstAdmin } from './auth/accounts';
import { loadConfig } from './config';
import { createLogger } from './lib/log';
import { createSwitchboard } from './server';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const sb = await createSwitchboard(config, log);
  const admin = await ensureFirstAdmin(sb.deps.db, {
    username: process.env['ADMIN_USERNAME'] ?? 'admin',
    password: process.env['ADMIN_PASSWORD'] || undefined,
  });
  if (admin.password) {
    // Printed once, on stdout, never logged: this is the only time it can be read.
    process.stdout.write(
      `\nFirst admin created: user "${admin.username}", password "${admin.password}" (shown only now; change it at first sign-in)\n\n`,
    );
  }
  // Bring Asterisk in line with the database at start (a no-op when nothing changed).
  sb.deps.applyQueue
    .request({ by: 'system', reason: 'startup' })
    .catch((err: unknown) => log.error({ err }, 'startup apply failed'));
  const port = await sb.listen();
  log.info({ url: `http://${config.host}:${port}` }, 'Switchboard is listening');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 20_000);
    force.unref();
    sb.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`Switchboard failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
