import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sessions', (t) => {
    t.string('id_hash', 64).primary();
    t.integer('user_id').unsigned().notNullable().references('users.id').onDelete('CASCADE');
    t.string('csrf_token', 64).notNullable();
    t.timestamp('expires_at', { precision: 3 }).notNullable().index();
    t.timestamp('created_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
