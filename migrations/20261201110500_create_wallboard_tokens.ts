import type { Knex } from 'knex';

// Kiosk links for the wallboard: a screen on the wall shows it without anyone signing in. Only
// the SHA-256 of each token is kept; the token itself is shown once, when it is created.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('wallboard_tokens', (t) => {
    t.increments('id').primary();
    t.string('name', 80).notNullable();
    t.string('token_hash', 64).notNullable().unique();
    // Who made it, as the audit trail names people; kept when the user is deleted.
    t.string('created_by', 120).notNullable();
    t.timestamp('created_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.timestamp('revoked_at', { precision: 3 }).nullable();
    t.timestamp('last_used_at', { precision: 3 }).nullable();
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
