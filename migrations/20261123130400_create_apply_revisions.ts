import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('apply_revisions', (t) => {
    t.increments('id').primary();
    t.enum('status', ['running', 'succeeded', 'failed', 'unchanged']).notNullable();
    t.string('requested_by', 200).notNullable();
    t.text('reasons').notNullable();
    t.text('files_changed').notNullable();
    t.text('modules_reloaded').notNullable();
    t.integer('objects_pushed').notNullable().defaultTo(0);
    t.text('error').nullable();
    t.timestamp('started_at', { precision: 3 }).notNullable();
    t.integer('duration_ms').nullable();
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
