import type { Knex } from 'knex';

// PJSIP objects Switchboard pushed into Asterisk's memory wizard, per Asterisk start: they take
// precedence over the file until Asterisk restarts, so a reload alone cannot change them.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('asterisk_memory_objects', (t) => {
    t.string('target', 64).notNullable();
    t.string('object_key', 200).notNullable();
    t.string('asterisk_started', 64).notNullable();
    t.primary(['target', 'object_key']);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
