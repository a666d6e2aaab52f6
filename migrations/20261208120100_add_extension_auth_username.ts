import type { Knex } from 'knex';

// The SIP auth username, apart from the extension number so it cannot be guessed from the
// number (Asterisk's best-practices document; 3CX does the same). Existing extensions keep their
// number as auth username: their phones are provisioned with it and a new random one would lock
// every phone out on upgrade. New extensions get a random one (src/extensions/service.ts), and an
// admin sets a new one on the extension's page or through the API when re-provisioning a phone.
// NULL reads as the number too (a row inserted by a tool that predates the column), so the column
// stays nullable; it is unique, and MariaDB allows many NULLs in a unique index.
export async function up(knex: Knex): Promise<void> {
  if (!(await knex.schema.hasColumn('extensions', 'auth_username'))) {
    await knex.schema.alterTable('extensions', (t) => {
      t.string('auth_username', 40).nullable().after('sip_secret');
      t.unique(['auth_username'], { indexName: 'extensions_auth_username_unique' });
    });
  }
  await knex('extensions')
    .whereNull('auth_username')
    .update({ auth_username: knex.ref('number') });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
