import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('extensions', (t) => {
    t.string('number', 20).primary();
    t.string('display_name', 80).notNullable();
    t.string('caller_id_name', 80).nullable();
    t.string('caller_id_number', 20).nullable();
    t.string('email', 254).nullable();
    t.string('sip_secret', 128).notNullable();
    t.integer('max_contacts').notNullable().defaultTo(1);
    t.string('codecs', 200).notNullable();
    t.boolean('voicemail_enabled').notNullable().defaultTo(false);
    t.timestamp('created_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.timestamp('updated_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.index(['display_name']);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
