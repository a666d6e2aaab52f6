import type { Knex } from 'knex';

// An IVR menu and its digit options. Greetings are foreign keys as a last line of defence: the
// service refuses to delete a greeting in use with a 409 naming the IVR (destination_refs).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('ivrs', (t) => {
    t.increments('id').primary();
    t.string('name', 80).notNullable().unique();
    t.integer('prompt_greeting_id').unsigned().nullable().references('greetings.id');
    t.boolean('direct_dial').notNullable().defaultTo(false);
    t.string('repeat_digit', 1).nullable();
    t.integer('timeout_seconds').notNullable();
    t.integer('max_retries').notNullable();
    t.integer('retry_greeting_id').unsigned().nullable().references('greetings.id');
    t.string('invalid_destination_type', 30).notNullable();
    t.string('invalid_destination_target', 40).notNullable();
    t.timestamp('created_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.timestamp('updated_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
  });
  await knex.schema.createTable('ivr_options', (t) => {
    t.increments('id').primary();
    t.integer('ivr_id').unsigned().notNullable().references('ivrs.id').onDelete('CASCADE');
    t.string('digit', 1).notNullable();
    t.string('destination_type', 30).notNullable();
    t.string('destination_target', 40).notNullable();
    t.unique(['ivr_id', 'digit']);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
