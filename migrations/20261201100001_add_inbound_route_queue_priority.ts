import type { Knex } from 'knex';

// Caller priority in queues set by the route a call came in on (0: none; VIP lines use 1-10).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('inbound_routes', (t) => {
    t.integer('queue_priority').notNullable().defaultTo(0);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
