import type { Knex } from 'knex';

// Queue callback toll-fraud guard (issue 16): which classes of number a queue may call back
// (only local and national can ever be set; the schema refuses the rest), whether a caller may
// key in a number other than their own caller ID, and caps on requests. Each request now
// records the caller ID it came from, so the per-caller cap can count it.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('queues', (t) => {
    t.string('callback_allowed_classes', 40).notNullable().defaultTo('local,national');
    t.boolean('callback_allow_typed').notNullable().defaultTo(false);
    t.integer('callback_max_pending').notNullable().defaultTo(20);
    t.integer('callback_max_per_number_day').notNullable().defaultTo(3);
    t.integer('callback_max_per_caller_day').notNullable().defaultTo(5);
  });
  await knex.schema.alterTable('queue_callbacks', (t) => {
    // The caller ID of the call that asked (digits, or '' when withheld).
    t.string('caller', 21).notNullable().defaultTo('');
    t.index(['number', 'requested_at']);
    t.index(['caller', 'requested_at']);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
