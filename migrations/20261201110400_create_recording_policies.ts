import type { Knex } from 'knex';

// Who is recorded (a policy per extension, queue or route) and who may listen to a queue's
// recordings (its supervisors).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('recording_policies', (t) => {
    t.increments('id').primary();
    t.enum('target_type', ['extension', 'queue', 'inbound_route', 'outbound_route']).notNullable();
    t.string('target_ref', 20).notNullable();
    t.enum('mode', ['always', 'never', 'on_demand']).notNullable();
    // null: kept until deleted by hand.
    t.integer('retention_days').unsigned().nullable();
    t.timestamp('created_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.timestamp('updated_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.unique(['target_type', 'target_ref']);
  });

  await knex.schema.createTable('queue_supervisors', (t) => {
    t.string('queue_number', 20).notNullable();
    t.integer('user_id').unsigned().notNullable().references('users.id').onDelete('CASCADE');
    t.primary(['queue_number', 'user_id']);
    t.index(['user_id']);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
