import type { Knex } from 'knex';

// Play a greeting, then send the call on.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('announcements', (t) => {
    t.increments('id').primary();
    t.string('name', 80).notNullable().unique();
    t.integer('greeting_id').unsigned().notNullable().references('greetings.id');
    t.string('destination_type', 30).notNullable();
    t.string('destination_target', 40).notNullable();
    t.timestamp('created_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.timestamp('updated_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
