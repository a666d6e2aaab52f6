import type { Knex } from 'knex';

// Safe defaults: international and premium stay off until an admin allows them.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('extensions', (t) => {
    t.string('classes', 100).notNullable().defaultTo('internal,local,national,emergency');
    t.string('outbound_caller_id', 20).nullable();
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
