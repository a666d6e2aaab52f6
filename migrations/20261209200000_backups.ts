import type { Knex } from 'knex';

// Backup jobs: one row per backup taken (by an admin, the API or the schedule), so a page or a
// client can follow its progress and see why one failed.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('backup_jobs', (t) => {
    t.increments('id').primary();
    t.enum('status', ['running', 'succeeded', 'failed']).notNullable();
    t.string('file_name', 120).notNullable();
    t.boolean('recordings').notNullable();
    t.string('requested_by', 120).notNullable();
    t.bigInteger('bytes_written').unsigned().notNullable().defaultTo(0);
    t.string('error', 1000).nullable();
    t.timestamp('started_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.timestamp('finished_at', { precision: 3 }).nullable();
    t.index(['started_at']);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
