import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { recordAudit } from '../audit';
import { createUser, ensureFirstAdmin, Password } from '../auth/accounts';
import { createApiToken, parseExpiresIn } from '../auth/tokens';
import { findByUsername, ROLES, type Role } from '../auth/users.repo';
import { createKnex, ensureDatabase } from '../db/knex';
import { backupCommand } from './backup';

const USAGE = `usage:
  cli migrate
  cli token create --user <username> [--name <label>] [--expires-in 30d|12h|never] [--read-only]
                                                           prints the token alone (default: 90 days, full access)
  cli user create --username <name> --role admin|supervisor|user [--extension <number>]  (password from SB_NEW_PASSWORD)
  cli admin ensure                                         first admin from ADMIN_PASSWORD, or generated and printed once
  cli backup create [--out FILE] [--recordings]            writes a backup (default: BACKUP_DIR/switchboard-<time>.tar.gz)
  cli backup restore FILE [--force] [--passphrase-file F]  restores one with Switchboard stopped; --force replaces a
                                                           database that holds configuration`;

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      user: { type: 'string' },
      name: { type: 'string' },
      username: { type: 'string' },
      role: { type: 'string' },
      extension: { type: 'string' },
      'expires-in': { type: 'string' },
      'read-only': { type: 'boolean' },
      out: { type: 'string' },
      recordings: { type: 'boolean' },
      force: { type: 'boolean' },
      'passphrase-file': { type: 'string' },
    },
  });
  // Backups read the whole configuration (the Asterisk folders, BACKUP_*), not just the database.
  if (positionals[0] === 'backup') return backupCommand(positionals.slice(1), values);
  const url = process.env['DATABASE_URL'] ?? 'mysql://root@127.0.0.1:3306/switchboard';
  const command = positionals.join(' ');
  await ensureDatabase(url);
  const db = createKnex(url, { min: 0, max: 2 });
  try {
    await db.migrate.latest();
    switch (command) {
      case 'migrate':
        process.stderr.write('migrations are up to date\n');
        return;
      case 'token create': {
        const user = values.user ? await findByUsername(db, values.user) : undefined;
        if (!user) throw new Error(`no such user: ${values.user ?? '(missing --user)'}`);
        const expiresIn = values['expires-in'];
        const token = await createApiToken(db, user.id, values.name ?? 'cli', {
          scope: values['read-only'] ? 'read' : 'full',
          ...(expiresIn === undefined ? {} : { expiresAt: parseExpiresIn(expiresIn) }),
        });
        // No request carries this one: the audit row is written here.
        await recordAudit(db, {
          actor: `cli (${userInfo().username})`,
          via: 'system',
          action: 'token create',
          summary: 'Create an API token from the command line',
          objectType: 'users',
          objectId: String(user.id),
          after: {
            name: values.name ?? 'cli',
            scope: values['read-only'] ? 'read' : 'full',
            expires_in: expiresIn ?? null,
          },
        });
        process.stdout.write(`${token}\n`);
        return;
      }
      case 'user create': {
        const role = values.role as Role;
        if (!ROLES.includes(role)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
        const password = Password.parse(process.env['SB_NEW_PASSWORD'] ?? '');
        const id = await createUser(db, {
          username: values.username ?? '',
          password,
          role,
          extensionNumber: values.extension ?? null,
        });
        process.stderr.write(`user ${values.username} created (id ${id})\n`);
        return;
      }
      case 'admin ensure': {
        const result = await ensureFirstAdmin(db, {
          username: process.env['ADMIN_USERNAME'] ?? 'admin',
          password: process.env['ADMIN_PASSWORD'] || undefined,
        });
        if (result.password)
          process.stdout.write(
            `First admin created: user "${result.username}", password "${result.password}" (shown only now; change it at first sign-in)\n`,
          );
        else process.stderr.write(result.created ? 'first admin created\n' : 'an admin already exists\n');
        return;
      }
      default:
        throw new Error(USAGE);
    }
  } finally {
    await db.destroy();
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
