import type { Knex } from 'knex';

// One row per voicemail message (Asterisk's msg_id) that the delivery job has seen. The unique
// msg_id is the exactly-once claim: a scan inserts with INSERT IGNORE, so a message gets one row
// however many scans, overlapping runs or restarts see it.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('voicemail_deliveries', (t) => {
    t.increments('id').primary();
    t.string('msg_id', 64).notNullable().unique();
    t.string('mailbox', 20).notNullable();
    t.string('email_to', 254).nullable();
    t.enum('status', ['pending', 'sending', 'sent', 'failed', 'skipped']).notNullable();
    t.integer('attempts').unsigned().notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    // When the current 'sending' claim was taken: a stale one is a crash in mid-send.
    t.timestamp('sending_since', { precision: 3 }).nullable();
    t.string('last_error', 500).nullable();
    t.timestamp('sent_at', { precision: 3 }).nullable();
    // The email's Message-ID header, derived from msg_id so a resend carries the same one.
    t.string('message_id', 255).nullable();
    // What the scan read from msgNNNN.txt, for the log and for the email itself.
    t.string('caller_id', 160).notNullable().defaultTo('');
    t.timestamp('received_at', { precision: 3 }).nullable();
    t.integer('duration_seconds').unsigned().notNullable().defaultTo(0);
    t.timestamp('created_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.timestamp('updated_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.index(['status', 'next_attempt_at']);
    t.index(['mailbox']);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
