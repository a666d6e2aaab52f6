import type { Knex } from 'knex';

// Follow-me of an extension: its ordered steps and where the call ends after the last one
// (null: the extension's voicemail box if it has one, else hang up). Goes with the extension.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('follow_me', (t) => {
    t.string('extension_number', 20).primary().references('extensions.number').onDelete('CASCADE');
    t.boolean('enabled').notNullable().defaultTo(false);
    t.string('final_destination_type', 30).nullable();
    t.string('final_destination_target', 40).nullable();
    t.timestamp('updated_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
  });
  await knex.schema.createTable('follow_me_steps', (t) => {
    t.increments('id').primary();
    t.string('extension_number', 20)
      .notNullable()
      .references('follow_me.extension_number')
      .onDelete('CASCADE');
    t.integer('position').notNullable();
    t.enum('kind', ['extension', 'external']).notNullable();
    t.string('target', 21).notNullable();
    t.integer('ring_seconds').notNullable();
    t.boolean('confirm').notNullable().defaultTo(false);
    t.unique(['extension_number', 'position']);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
