import type { Knex } from 'knex';

// A ring group and its ordered members (extensions or external numbers). The number shares the
// dial plan with extensions and queues (src/destinations/numbers.ts checks it is free).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('ring_groups', (t) => {
    t.increments('id').primary();
    t.string('number', 20).notNullable().unique();
    t.string('name', 80).notNullable().unique();
    t.enum('strategy', ['ringall', 'hunt', 'memoryhunt']).notNullable();
    t.integer('ring_seconds').notNullable();
    t.string('caller_id_prefix', 20).notNullable().defaultTo('');
    t.string('failover_destination_type', 30).notNullable();
    t.string('failover_destination_target', 40).notNullable();
    t.timestamp('created_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.timestamp('updated_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
  });
  await knex.schema.createTable('ring_group_members', (t) => {
    t.increments('id').primary();
    t.integer('ring_group_id').unsigned().notNullable().references('ring_groups.id').onDelete('CASCADE');
    t.integer('position').notNullable();
    t.enum('kind', ['extension', 'external']).notNullable();
    t.string('target', 21).notNullable();
    t.boolean('confirm').notNullable().defaultTo(false);
    t.unique(['ring_group_id', 'position']);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
