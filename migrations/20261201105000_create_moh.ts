import type { Knex } from 'knex';

// Music on hold: a class (Asterisk class sb-moh-<id>) and the audio files it plays.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('moh_classes', (t) => {
    t.increments('id').primary();
    t.string('name', 80).notNullable().unique();
    t.enum('sort', ['random', 'alpha']).notNullable().defaultTo('random');
    t.timestamp('created_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.timestamp('updated_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
  });
  await knex.schema.createTable('moh_files', (t) => {
    t.increments('id').primary();
    t.integer('class_id').unsigned().notNullable().references('moh_classes.id').onDelete('CASCADE');
    t.string('name', 80).notNullable();
    t.string('disk_name', 64).notNullable();
    t.integer('duration_ms').unsigned().notNullable();
    t.integer('bytes').unsigned().notNullable();
    t.timestamp('created_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.unique(['class_id', 'name']);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
