import type { Knex } from 'knex';

// The admin's changes to the feature-code catalog (src/feature-codes/catalog.ts): a row exists
// only for a code that differs from its default, in digits or in being disabled.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('feature_codes', (t) => {
    t.string('feature_key', 40).primary();
    t.string('code', 5).notNullable();
    t.boolean('enabled').notNullable().defaultTo(true);
    t.timestamp('updated_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
