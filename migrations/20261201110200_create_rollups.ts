import type { Knex } from 'knex';

// 15-minute rollups of call journeys and agent activity (src/analytics/rollup.ts): every report
// reads these, never the raw rows. Buckets are UTC and aligned to :00/:15/:30/:45.
export async function up(knex: Knex): Promise<void> {
  // dim 'all' holds every call once (dim_value ''); 'queue', 'did' one row per value a call had;
  // 'agent', 'extension' one per extension the call reached (a call counts once per person);
  // 'department' one per department any of its extensions belongs to (a call counts once even
  // when it rang three people of the department).
  await knex.schema.createTable('call_rollups', (t) => {
    t.datetime('bucket_start').notNullable();
    t.enum('dim', ['all', 'queue', 'agent', 'extension', 'did', 'department']).notNullable();
    t.string('dim_value', 80).notNullable();
    t.enum('direction', ['inbound', 'outbound', 'internal']).notNullable();
    t.integer('offered').unsigned().notNullable().defaultTo(0);
    t.integer('answered').unsigned().notNullable().defaultTo(0);
    t.integer('abandoned').unsigned().notNullable().defaultTo(0);
    t.integer('short_abandoned').unsigned().notNullable().defaultTo(0);
    t.integer('missed').unsigned().notNullable().defaultTo(0);
    t.integer('voicemail').unsigned().notNullable().defaultTo(0);
    t.integer('callback').unsigned().notNullable().defaultTo(0);
    t.integer('answered_in_sl').unsigned().notNullable().defaultTo(0);
    t.decimal('wait_answered_sum', 14, 3).notNullable().defaultTo(0);
    t.decimal('wait_max', 10, 3).notNullable().defaultTo(0);
    t.decimal('talk_sum', 14, 3).notNullable().defaultTo(0);
    t.primary(['dim', 'bucket_start', 'dim_value', 'direction']);
    t.unique(['bucket_start', 'dim', 'dim_value', 'direction']);
  });

  // The same counters per UTC day, summed from call_rollups: a report over whole days that does
  // not group by time (per queue, per agent over a month) reads one row per day, not 96.
  await knex.schema.createTable('call_rollups_daily', (t) => {
    t.datetime('day_start').notNullable();
    t.enum('dim', ['all', 'queue', 'agent', 'extension', 'did', 'department']).notNullable();
    t.string('dim_value', 80).notNullable();
    t.enum('direction', ['inbound', 'outbound', 'internal']).notNullable();
    t.integer('offered').unsigned().notNullable().defaultTo(0);
    t.integer('answered').unsigned().notNullable().defaultTo(0);
    t.integer('abandoned').unsigned().notNullable().defaultTo(0);
    t.integer('short_abandoned').unsigned().notNullable().defaultTo(0);
    t.integer('missed').unsigned().notNullable().defaultTo(0);
    t.integer('voicemail').unsigned().notNullable().defaultTo(0);
    t.integer('callback').unsigned().notNullable().defaultTo(0);
    t.integer('answered_in_sl').unsigned().notNullable().defaultTo(0);
    t.decimal('wait_answered_sum', 16, 3).notNullable().defaultTo(0);
    t.decimal('wait_max', 10, 3).notNullable().defaultTo(0);
    t.decimal('talk_sum', 16, 3).notNullable().defaultTo(0);
    t.primary(['dim', 'day_start', 'dim_value', 'direction']);
    t.index(['day_start']);
  });

  // Seconds of each state that fall inside the bucket, per agent (extension) and queue number.
  await knex.schema.createTable('agent_rollups', (t) => {
    t.datetime('bucket_start').notNullable();
    t.string('agent', 80).notNullable();
    t.string('queue', 32).notNullable();
    t.decimal('login_s', 10, 3).notNullable().defaultTo(0);
    t.decimal('pause_s', 10, 3).notNullable().defaultTo(0);
    t.decimal('talk_s', 10, 3).notNullable().defaultTo(0);
    t.decimal('wrapup_s', 10, 3).notNullable().defaultTo(0);
    t.integer('calls_answered').unsigned().notNullable().defaultTo(0);
    t.primary(['bucket_start', 'agent', 'queue']);
    t.index(['agent', 'bucket_start']);
  });

  // Watermarks of the rollup jobs: how far each source has been folded in.
  await knex.schema.createTable('analytics_state', (t) => {
    t.string('name', 32).primary();
    t.string('value', 255).notNullable();
    t.timestamp('updated_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
  });

  // The department rollup joins parties to departments by extension.
  await knex.schema.alterTable('department_extensions', (t) => {
    t.index(['extension']);
  });

  // The answer time a queue promises (Asterisk's servicelevel); reports count answers within it.
  await knex.schema.alterTable('queues', (t) => {
    t.integer('service_level_seconds').notNullable().defaultTo(20);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
