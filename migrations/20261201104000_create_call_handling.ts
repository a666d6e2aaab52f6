import type { Knex } from 'knex';

// Forwarding, do-not-disturb and blocked callers per extension. MySQL is the truth; Asterisk's
// astdb (family sb) holds a mirror the dialplan reads on each call, so a change needs no reload.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('call_handling', (t) => {
    t.string('extension_number', 20)
      .primary()
      .references('extensions.number')
      .onDelete('CASCADE')
      .onUpdate('CASCADE');
    t.boolean('dnd').notNullable().defaultTo(false);
    t.string('cfu_number', 21).nullable();
    t.string('cfb_number', 21).nullable();
    t.string('cfna_number', 21).nullable();
    t.timestamp('updated_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
  });
  await knex.schema.createTable('extension_blocked_callers', (t) => {
    t.increments('id').primary();
    t.string('extension_number', 20)
      .notNullable()
      .references('extensions.number')
      .onDelete('CASCADE')
      .onUpdate('CASCADE');
    t.string('caller_number', 21).notNullable();
    t.timestamp('created_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.unique(['extension_number', 'caller_number']);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
