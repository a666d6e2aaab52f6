import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('inbound_routes', (t) => {
    t.increments('id').primary();
    t.string('name', 80).notNullable().unique();
    t.integer('position').notNullable();
    t.string('did', 40).notNullable();
    t.string('caller_id', 40).nullable();
    t.string('destination_type', 30).notNullable();
    t.string('destination_target', 40).notNullable();
    t.string('caller_id_name_prefix', 20).notNullable().defaultTo('');
    t.timestamp('created_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.timestamp('updated_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.index(['destination_type', 'destination_target']);
  });
  await knex.schema.createTable('blocked_callers', (t) => {
    t.increments('id').primary();
    t.string('pattern', 40).notNullable().unique();
    t.enum('action', ['hangup', 'busy']).notNullable().defaultTo('hangup');
    t.timestamp('created_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
