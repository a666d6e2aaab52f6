import type { Knex } from 'knex';

// A greeting is a named sound; each language it speaks is one variant (one set of files).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('greetings', (t) => {
    t.increments('id').primary();
    t.string('name', 80).notNullable().unique();
    t.string('description', 500).notNullable().defaultTo('');
    t.string('default_language', 5).notNullable();
    t.timestamp('created_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.timestamp('updated_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
  });
  await knex.schema.createTable('greeting_variants', (t) => {
    t.increments('id').primary();
    t.integer('greeting_id').unsigned().notNullable().references('greetings.id').onDelete('CASCADE');
    t.string('language', 5).notNullable();
    t.enum('source', ['upload', 'tts', 'phone']).notNullable();
    t.string('tts_text', 1000).nullable();
    t.string('tts_voice', 40).nullable();
    t.integer('duration_ms').unsigned().notNullable();
    t.integer('bytes').unsigned().notNullable();
    t.timestamp('created_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.timestamp('updated_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.unique(['greeting_id', 'language']);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
