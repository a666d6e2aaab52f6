import type { Knex } from 'knex';

// One transcription per voicemail message, keyed by Asterisk's msg_id (stable across folder
// moves), so a message is recognised once whether the delivery job or the web UI asks first.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('voicemail_transcriptions', (t) => {
    t.increments('id').primary();
    t.string('msg_id', 64).notNullable().unique();
    t.text('text').notNullable();
    t.string('engine', 40).notNullable();
    t.integer('duration_ms').unsigned().notNullable();
    t.timestamp('created_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
