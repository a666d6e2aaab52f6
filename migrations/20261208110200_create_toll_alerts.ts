import type { Knex } from 'knex';

// Spend-guard alerts: one row per refused call, and its email to the admin address as an outbox
// entry (sent by a job with retries, at most once).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('toll_alerts', (t) => {
    t.increments('id').primary();
    t.enum('scope', ['extension', 'trunk']).notNullable();
    t.string('subject', 40).notNullable();
    t.enum('limit_kind', ['concurrent', 'daily']).notNullable();
    t.string('dialled', 24).notNullable();
    // Asterisk's uniqueid of the refused channel: the same event seen twice is one alert.
    t.string('channel_uid', 64).notNullable();
    t.enum('email_status', ['pending', 'sending', 'sent', 'failed', 'skipped']).notNullable();
    t.integer('attempts').unsigned().notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.string('last_error', 500).nullable();
    t.timestamp('sent_at', { precision: 3 }).nullable();
    t.timestamp('created_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.unique(['channel_uid', 'scope', 'subject']);
    t.index(['email_status', 'next_attempt_at']);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
