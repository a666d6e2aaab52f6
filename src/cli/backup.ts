import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createBackup } from '../backups/archive';
import { restoreBackup } from '../backups/restore';
import { applyRetention, backupSources, newBackupName } from '../backups/service';
import { loadConfig } from '../config';
import { ensureDatabase } from '../db/knex';
import { FEATURES } from '../features';
import { loadSealingKey, sealingKey } from '../lib/sealed';

interface BackupFlags {
  out?: string;
  recordings?: boolean;
  force?: boolean;
  'passphrase-file'?: string;
}

// `backup create` and `backup restore`, with the configuration Switchboard itself reads (the CLI
// talks to no Asterisk, so ARI_PASSWORD may be unset here).
export async function backupCommand(args: string[], flags: BackupFlags): Promise<void> {
  const config = loadConfig({ ARI_PASSWORD: 'unused-by-the-cli', ...process.env });
  loadSealingKey(config.secretsKeyFile);
  const passphrase = flags['passphrase-file']
    ? readFileSync(flags['passphrase-file'], 'utf8').replace(/\r?\n$/, '')
    : config.backup.passphrase;
  const [verb, file, ...rest] = args;
  if (verb === 'create' && file === undefined) {
    const out = flags.out ? resolve(flags.out) : join(config.backup.dir, newBackupName());
    const started = Date.now();
    const manifest = await createBackup(backupSources(config), out, {
      recordings: flags.recordings ?? false,
      passphrase,
      sealingKey: sealingKey(),
    });
    const rows = manifest.tables.reduce((n, t) => n + t.rows, 0);
    process.stderr.write(
      `backup written: ${manifest.tables.length} tables (${rows} rows), ${manifest.members.filter((m) => m.name.startsWith('files/')).length} files, ${Date.now() - started} ms${manifest.key.wrapped ? ', secrets key wrapped with the passphrase' : ''}\n`,
    );
    if (!flags.out) await applyRetention(config.backup.dir, config.backup.keep);
    process.stdout.write(`${out}\n`);
    return;
  }
  if (verb === 'restore' && file !== undefined && rest.length === 0) {
    await ensureDatabase(config.databaseUrl);
    const started = Date.now();
    const result = await restoreBackup(resolve(file), {
      databaseUrl: config.databaseUrl,
      files: backupSources(config),
      force: flags.force ?? false,
      passphrase,
      installKey: sealingKey(),
      sealed: FEATURES.flatMap((f) => f.sealed ?? []),
      log: (line) => process.stderr.write(`${line}\n`),
      // Unpacked beside the backups, not in os.tmpdir() (often RAM): a backup may be gigabytes.
      stagingDir: config.backup.dir,
    });
    process.stderr.write(
      `restored the backup of ${result.manifest.created_at} in ${Date.now() - started} ms: start Switchboard (or restart it) and its start-up apply renders the configuration from the restored database\n`,
    );
    return;
  }
  throw new Error(
    'usage: cli backup create [--out FILE] [--recordings] | cli backup restore FILE [--force] [--passphrase-file F]',
  );
}
