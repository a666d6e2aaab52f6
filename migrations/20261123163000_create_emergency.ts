import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // One row (id 1): the emergency switch and what it routes to.
  await knex.schema.createTable('emergency_settings', (t) => {
    t.integer('id').unsigned().primary();
    t.boolean('active').notNullable().defaultTo(false);
    t.boolean('all_routes').notNullable().defaultTo(true);
    t.text('route_ids').notNullable(); // JSON array of inbound route ids
    t.integer('greeting_id').unsigned().nullable();
    t.string('destination_type', 30).nullable();
    t.string('destination_target', 40).nullable();
    // argon2id of the *99 PIN; null: the feature code is refused.
    t.string('pin_hash', 255).nullable();
    t.timestamp('updated_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
  });
  await knex('emergency_settings').insert({ id: 1, active: false, all_routes: true, route_ids: '[]' });
  await knex.schema.createTable('emergency_log', (t) => {
    t.increments('id').primary();
    t.boolean('active').notNullable();
    t.string('by', 80).notNullable(); // a username, or the extension that dialled *99
    t.enum('via', ['api', 'ui', 'phone']).notNullable();
    t.timestamp('at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.index(['at']);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
