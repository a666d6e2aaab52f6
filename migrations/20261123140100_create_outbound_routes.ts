import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('outbound_routes', (t) => {
    t.increments('id').primary();
    t.string('name', 80).notNullable().unique();
    t.integer('position').notNullable();
    t.text('patterns').notNullable();
    t.integer('strip').notNullable().defaultTo(0);
    t.string('prepend', 20).notNullable().defaultTo('');
    t.string('caller_id_number', 20).nullable();
    t.enum('class', ['local', 'national', 'international', 'premium', 'emergency']).notNullable();
    t.timestamp('created_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.timestamp('updated_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
  });
  await knex.schema.createTable('outbound_route_trunks', (t) => {
    t.integer('route_id').unsigned().notNullable().references('outbound_routes.id').onDelete('CASCADE');
    t.integer('trunk_id').unsigned().notNullable().references('trunks.id').onDelete('RESTRICT');
    t.integer('position').notNullable();
    t.primary(['route_id', 'trunk_id']);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
