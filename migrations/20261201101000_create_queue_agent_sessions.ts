import type { Knex } from 'knex';

// Dynamic agents' state, the source of truth that Asterisk's live queue members are reconciled
// to (queues.conf holds only static members). Pause applies to static members too, so a row may
// exist for a static member with logged_in = true. Rows of a member no longer in the queue are
// ignored by the reconciler; the queue's deletion removes them.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('queue_agent_sessions', (t) => {
    t.integer('queue_id').unsigned().notNullable().references('queues.id').onDelete('CASCADE');
    t.string('extension_number', 20).notNullable();
    t.boolean('logged_in').notNullable().defaultTo(false);
    t.boolean('paused').notNullable().defaultTo(false);
    t.string('pause_reason', 40).nullable();
    t.timestamp('changed_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.primary(['queue_id', 'extension_number']);
    t.index(['extension_number']);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
