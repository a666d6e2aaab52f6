import type { Knex } from 'knex';

// Queue callback requests. A request keeps its caller's place in the queue through a placeholder
// call (placeholder_channel) that Switchboard originates into the queue; status moves only by
// guarded UPDATEs (… WHERE status = <expected>), so one request is never dialled twice, however
// many events, restarts or reconciliations see it.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('queue_callbacks', (t) => {
    t.increments('id').primary();
    t.string('queue', 20).notNullable();
    t.string('number', 20).notNullable();
    t.integer('position').unsigned().notNullable().defaultTo(1);
    t.integer('priority').notNullable().defaultTo(0);
    t.timestamp('requested_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.enum('status', [
      'pending',
      'waiting',
      'agent_ringing',
      'dialing_caller',
      'connected',
      'done',
      'failed',
      'cancelled',
    ]).notNullable();
    t.integer('attempts').unsigned().notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.string('last_error', 500).nullable();
    // The ;1 side of the Local placeholder now in the queue, and how many have been originated:
    // each gets a new deterministic id, so a stale one is told apart from the current one.
    t.string('placeholder_channel', 64).nullable();
    t.integer('placeholder_seq').unsigned().notNullable().defaultTo(0);
    t.timestamp('connected_at', { precision: 3 }).nullable();
    t.timestamp('closed_at', { precision: 3 }).nullable();
    t.string('closed_by', 100).nullable();
    t.index(['status', 'next_attempt_at']);
    t.index(['queue', 'status']);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
