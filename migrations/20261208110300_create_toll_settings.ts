import type { Knex } from 'knex';

// One row (id 1): where spend-guard alerts are emailed. NULL: no email, the alert is still recorded.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('toll_settings', (t) => {
    t.integer('id').unsigned().primary();
    t.string('alert_email', 254).nullable();
    t.timestamp('updated_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
