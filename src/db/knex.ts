import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import knexFactory, { type Knex } from 'knex';

export type Db = Knex;

export function createKnex(databaseUrl: string, pool = { min: 0, max: 10 }): Knex {
  return knexFactory({
    client: 'mysql2',
    connection: {
      uri: databaseUrl,
      timezone: 'Z',
      dateStrings: false,
      supportBigNumbers: true,
    } as Knex.MySql2ConnectionConfig,
    pool,
    // An error's message carries the statement, not the statement with its values (secrets
    // among them); the logger's error serializer (lib/log.ts) then drops the statement too.
    compileSqlOnError: false,
    migrations: migrationConfig(),
  });
}

const MIGRATIONS_DIR = join(__dirname, '..', '..', 'migrations');

// Migrations are recorded without their file extension, so a database migrated from the
// TypeScript sources (tsx, jest) and one migrated by the compiled build agree on what ran.
const migrationSource: Knex.MigrationSource<string> = {
  async getMigrations() {
    const ext = __filename.endsWith('.ts') ? '.ts' : '.js';
    return readdirSync(MIGRATIONS_DIR)
      .filter((f) => f.endsWith(ext) && !f.endsWith('.d.ts'))
      .map((f) => f.slice(0, -ext.length))
      .sort();
  },
  getMigrationName: (name) => name,
  getMigration: async (name) => require(join(MIGRATIONS_DIR, name)) as Knex.Migration,
};

// The migrations this build carries, in order: the schema versions it knows.
export function availableMigrations(): Promise<string[]> {
  return migrationSource.getMigrations([]);
}

export function migrationConfig(): Knex.MigratorConfig {
  return { tableName: 'knex_migrations', migrationSource };
}

// Connects to the server without a database so the database itself can be created.
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]{1,64}$/.test(name)) throw new Error(`invalid database name in DATABASE_URL: ${name}`);
  url.pathname = '/';
  const admin = createKnex(url.toString(), { min: 0, max: 1 });
  try {
    await admin.raw(
      `CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
  } finally {
    await admin.destroy();
  }
}
