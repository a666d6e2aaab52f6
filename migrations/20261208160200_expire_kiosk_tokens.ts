import type { Knex } from 'knex';

// Kiosk tokens expire: a link on a wall screen outlives the people who made it. Existing tokens
// get a year from their creation, the default for new ones.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('wallboard_tokens', (t) => {
    t.timestamp('expires_at', { precision: 3 }).nullable().after('created_at');
  });
  await knex('wallboard_tokens').update({ expires_at: knex.raw('created_at + INTERVAL 1 YEAR') });
  await knex.schema.alterTable('wallboard_tokens', (t) => {
    t.timestamp('expires_at', { precision: 3 }).notNullable().alter();
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
