import type { Knex } from 'knex';

// Set while an apply (or a move of PJSIP objects to memory) changes Asterisk, cleared once
// Asterisk holds what the files say. A row left by a killed process tells the next apply not to
// take the files on disk for what Asterisk has.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('apply_marks', (t) => {
    t.string('target', 64).notNullable().primary();
    t.integer('pid').notNullable();
    t.timestamp('since', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
