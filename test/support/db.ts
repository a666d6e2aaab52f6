import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { createKnex } from '../../src/db/knex';
import { prepareTestDatabase } from './db-template';
import { testEnv } from './env';

// A fresh, migrated MariaDB database for tests that need no Asterisk or HTTP app; dropped after.
export function useTestDb(): { readonly db: Knex } {
  const name = `sb_test_${randomBytes(5).toString('hex')}`;
  const url = `${testEnv.mysqlServer}/${name}`;
  let db: Knex | undefined;
  beforeAll(async () => {
    await prepareTestDatabase(testEnv.mysqlServer, name);
    db = createKnex(url);
    await db.migrate.latest();
  }, 60_000);
  afterAll(async () => {
    await db?.destroy();
    const admin = createKnex(`${testEnv.mysqlServer}/`, { min: 0, max: 1 });
    await admin.raw(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.destroy();
  });
  return {
    get db(): Knex {
      if (!db) throw new Error('the test database is not ready (use it inside a test)');
      return db;
    },
  };
}
