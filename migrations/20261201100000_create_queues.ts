import type { Knex } from 'knex';

// Call queues (app_queue), their members and the caller numbers answered first. Members point at
// extensions by number and go with them; the queue's number shares one numbering plan with
// extensions and ring groups (src/destinations/numbers.ts).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('queues', (t) => {
    t.increments('id').primary();
    t.string('number', 20).notNullable().unique();
    t.string('name', 80).notNullable().unique();
    t.string('strategy', 20).notNullable();
    t.integer('ring_seconds').notNullable();
    t.integer('retry_seconds').notNullable();
    t.integer('wrap_up_seconds').notNullable();
    t.integer('max_wait_seconds').notNullable();
    t.integer('max_callers').notNullable();
    t.boolean('join_when_empty').notNullable();
    t.boolean('leave_when_empty').notNullable();
    t.boolean('announce_position').notNullable();
    t.boolean('announce_hold_time').notNullable();
    t.integer('periodic_announce_greeting_id').unsigned().nullable().references('greetings.id');
    t.integer('periodic_announce_seconds').notNullable();
    t.string('moh_class', 80).notNullable().defaultTo('default');
    t.integer('vip_priority').notNullable();
    t.string('failover_destination_type', 30).notNullable();
    t.string('failover_destination_target', 40).notNullable();
    t.boolean('callback_enabled').notNullable().defaultTo(false);
    t.string('callback_key', 1).notNullable().defaultTo('1');
    t.integer('callback_max_attempts').notNullable().defaultTo(3);
    t.integer('callback_retry_seconds').notNullable().defaultTo(60);
    t.timestamp('created_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.timestamp('updated_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
  });
  await knex.schema.createTable('queue_members', (t) => {
    t.increments('id').primary();
    t.integer('queue_id').unsigned().notNullable().references('queues.id').onDelete('CASCADE');
    t.string('extension_number', 20)
      .notNullable()
      .references('extensions.number')
      .onDelete('CASCADE')
      .onUpdate('CASCADE');
    t.integer('penalty').notNullable().defaultTo(0);
    t.boolean('dynamic').notNullable().defaultTo(false);
    // The order given: linear strategy rings static members in it.
    t.integer('position').notNullable();
    t.unique(['queue_id', 'extension_number']);
  });
  await knex.schema.createTable('queue_vip_callers', (t) => {
    t.integer('queue_id').unsigned().notNullable().references('queues.id').onDelete('CASCADE');
    t.string('caller_number', 21).notNullable();
    t.primary(['queue_id', 'caller_number']);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
