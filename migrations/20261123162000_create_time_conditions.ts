import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('time_conditions', (t) => {
    t.increments('id').primary();
    t.string('name', 80).notNullable().unique();
    t.string('timezone', 64).notNullable();
    t.enum('override', ['auto', 'open', 'closed']).notNullable().defaultTo('auto');
    // Who set the override last, when and how (api, ui or phone).
    t.string('override_by', 80).nullable();
    t.timestamp('override_at', { precision: 3 }).nullable();
    t.enum('override_via', ['api', 'ui', 'phone']).nullable();
    // argon2id of the feature-code PIN; null: the feature code is refused.
    t.string('override_pin_hash', 255).nullable();
    t.string('open_destination_type', 30).notNullable();
    t.string('open_destination_target', 40).notNullable();
    t.string('closed_destination_type', 30).notNullable();
    t.string('closed_destination_target', 40).notNullable();
    t.timestamp('created_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.timestamp('updated_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
  });
  await knex.schema.createTable('time_condition_ranges', (t) => {
    t.increments('id').primary();
    t.integer('time_condition_id')
      .unsigned()
      .notNullable()
      .references('time_conditions.id')
      .onDelete('CASCADE');
    t.enum('day', ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']).notNullable();
    t.string('start', 5).notNullable();
    t.string('end', 5).notNullable();
  });
  await knex.schema.createTable('time_condition_holidays', (t) => {
    t.increments('id').primary();
    t.integer('time_condition_id')
      .unsigned()
      .notNullable()
      .references('time_conditions.id')
      .onDelete('CASCADE');
    t.string('name', 80).notNullable();
    // YYYY-MM-DD as text: a calendar date in the condition's own zone, never converted.
    t.string('start_date', 10).notNullable();
    t.string('end_date', 10).notNullable();
    t.boolean('yearly').notNullable().defaultTo(false);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
