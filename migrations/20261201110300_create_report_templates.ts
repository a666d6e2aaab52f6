import type { Knex } from 'knex';

// Saved report templates, the schedules that email them, and the send log. A send is one
// (schedule, period) pair: the unique key makes a period's email go out once however often the
// scheduler fires or retries.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('report_templates', (t) => {
    t.increments('id').primary();
    t.string('name', 80).notNullable().unique();
    t.string('group_by', 20).notNullable();
    t.json('kpis').notNullable();
    // {direction, queues, agents, extensions, department_id, dids}
    t.json('filters').notNullable();
    t.string('range_preset', 20).notNullable();
    t.string('created_by', 80).notNullable().defaultTo('');
    t.timestamp('created_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.timestamp('updated_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
  });

  await knex.schema.createTable('report_schedules', (t) => {
    t.increments('id').primary();
    t.integer('template_id').unsigned().notNullable().references('report_templates.id').onDelete('RESTRICT');
    t.enum('frequency', ['daily', 'weekly', 'monthly', 'cron']).notNullable();
    // For 'cron' only: five fields, minute resolution, read in the schedule's timezone.
    t.string('cron_expression', 120).nullable();
    t.string('time_of_day', 5).notNullable().defaultTo('06:00');
    t.tinyint('weekday').unsigned().notNullable().defaultTo(1); // weekly: 0 Sunday … 6 Saturday
    t.tinyint('day_of_month').unsigned().notNullable().defaultTo(1); // monthly: 1..28
    t.string('timezone', 64).notNullable();
    t.json('recipients').notNullable();
    t.boolean('enabled').notNullable().defaultTo(true);
    t.datetime('last_run_at', { precision: 3 }).nullable();
    t.timestamp('created_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.timestamp('updated_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
  });

  await knex.schema.createTable('report_sends', (t) => {
    t.bigIncrements('id').primary();
    t.integer('schedule_id').unsigned().notNullable().references('report_schedules.id').onDelete('CASCADE');
    t.datetime('period_from', { precision: 3 }).notNullable();
    t.datetime('period_to', { precision: 3 }).notNullable();
    // sending: claimed by one run; a claim older than the stale limit is a crashed send.
    t.enum('status', ['pending', 'sending', 'sent', 'failed']).notNullable().defaultTo('pending');
    t.integer('attempts').unsigned().notNullable().defaultTo(0);
    t.string('last_error', 500).nullable();
    t.datetime('next_attempt_at', { precision: 3 }).notNullable();
    t.datetime('sending_since', { precision: 3 }).nullable();
    t.datetime('sent_at', { precision: 3 }).nullable();
    t.string('message_id', 255).nullable();
    t.timestamp('created_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.unique(['schedule_id', 'period_from']);
    t.index(['status', 'next_attempt_at']);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
