import type { Knex } from 'knex';

// Call data as Asterisk wrote it (CDR, CEL, queue_log), the byte offsets reached in each
// file, the journeys built from it (one per linkedid) and the recordings linked to them.
export async function up(knex: Knex): Promise<void> {
  // One row per ingested file: the offset is committed in the same transaction as the rows
  // read up to it, so a crash or a stop never loses nor doubles a record.
  await knex.schema.createTable('calldata_sources', (t) => {
    t.string('name', 32).primary();
    t.string('path', 512).notNullable();
    t.bigInteger('inode').unsigned().notNullable().defaultTo(0);
    t.bigInteger('offset').unsigned().notNullable().defaultTo(0);
    t.bigInteger('records').unsigned().notNullable().defaultTo(0);
    t.integer('bad_lines').unsigned().notNullable().defaultTo(0);
    t.string('last_error', 500).nullable();
    t.timestamp('updated_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
  });

  await knex.schema.createTable('cdr_records', (t) => {
    t.bigIncrements('id').primary();
    t.string('linkedid', 64).notNullable();
    t.string('uniqueid', 64).notNullable();
    t.integer('sequence').unsigned().notNullable().defaultTo(0);
    t.datetime('start', { precision: 3 }).notNullable();
    t.datetime('answer', { precision: 3 }).nullable();
    t.datetime('end', { precision: 3 }).notNullable();
    t.string('clid', 160).notNullable().defaultTo('');
    t.string('src', 80).notNullable().defaultTo('');
    t.string('dst', 80).notNullable().defaultTo('');
    t.string('dcontext', 80).notNullable().defaultTo('');
    t.string('channel', 160).notNullable().defaultTo('');
    t.string('dstchannel', 160).notNullable().defaultTo('');
    t.string('lastapp', 80).notNullable().defaultTo('');
    t.string('lastdata', 255).notNullable().defaultTo('');
    t.integer('duration').unsigned().notNullable().defaultTo(0);
    t.integer('billsec').unsigned().notNullable().defaultTo(0);
    t.string('disposition', 32).notNullable().defaultTo('');
    t.string('accountcode', 80).notNullable().defaultTo('');
    t.string('peeraccount', 80).notNullable().defaultTo('');
    t.string('userfield', 255).notNullable().defaultTo('');
    t.index(['linkedid']);
    t.index(['start']);
  });

  await knex.schema.createTable('cel_events', (t) => {
    t.bigIncrements('id').primary();
    t.string('eventtype', 32).notNullable();
    t.datetime('eventtime', { precision: 6 }).notNullable();
    t.string('userdeftype', 64).notNullable().defaultTo('');
    t.string('eventextra', 1024).notNullable().defaultTo('');
    t.string('cid_name', 80).notNullable().defaultTo('');
    t.string('cid_num', 80).notNullable().defaultTo('');
    t.string('cid_ani', 80).notNullable().defaultTo('');
    t.string('cid_dnid', 80).notNullable().defaultTo('');
    t.string('exten', 80).notNullable().defaultTo('');
    t.string('context', 80).notNullable().defaultTo('');
    t.string('channame', 160).notNullable().defaultTo('');
    t.string('appname', 80).notNullable().defaultTo('');
    t.string('appdata', 512).notNullable().defaultTo('');
    t.string('uniqueid', 64).notNullable();
    t.string('linkedid', 64).notNullable();
    t.string('peer', 160).notNullable().defaultTo('');
    t.index(['linkedid', 'eventtime']);
    t.index(['eventtype', 'eventtime']);
  });

  // queue_log: time|callid|queuename|agent|event|data1|data2|...
  await knex.schema.createTable('queue_log_events', (t) => {
    t.bigIncrements('id').primary();
    t.datetime('time', { precision: 3 }).notNullable();
    t.string('callid', 64).notNullable();
    t.string('queuename', 80).notNullable();
    t.string('agent', 160).notNullable();
    t.string('event', 32).notNullable();
    t.string('data1', 255).notNullable().defaultTo('');
    t.string('data2', 255).notNullable().defaultTo('');
    t.string('data3', 255).notNullable().defaultTo('');
    t.string('data4', 255).notNullable().defaultTo('');
    t.string('data5', 255).notNullable().defaultTo('');
    t.index(['callid']);
    t.index(['time']);
    t.index(['queuename', 'time']);
    t.index(['agent', 'time']);
  });

  // One row per call (linkedid), rebuilt from the raw rows when the call has ended.
  await knex.schema.createTable('call_journeys', (t) => {
    t.bigIncrements('id').primary();
    t.string('linkedid', 64).notNullable().unique();
    t.datetime('started_at', { precision: 3 }).notNullable();
    t.datetime('answered_at', { precision: 3 }).nullable();
    t.datetime('ended_at', { precision: 3 }).notNullable();
    t.enum('direction', ['inbound', 'outbound', 'internal']).notNullable();
    t.string('caller_number', 80).notNullable().defaultTo('');
    t.string('caller_name', 80).notNullable().defaultTo('');
    t.string('called_number', 80).notNullable().defaultTo('');
    t.string('did', 80).nullable();
    t.string('trunk', 64).nullable();
    t.enum('outcome', [
      'answered',
      'missed',
      'voicemail',
      'abandoned',
      'callback',
      'busy',
      'failed',
    ]).notNullable();
    t.string('answered_by', 80).nullable();
    t.string('queue_number', 32).nullable();
    t.decimal('queue_wait_seconds', 10, 3).nullable();
    t.integer('queue_position').unsigned().nullable();
    t.string('ivr_path', 255).notNullable().defaultTo('');
    t.decimal('wait_seconds', 10, 3).notNullable().defaultTo(0);
    t.decimal('talk_seconds', 10, 3).notNullable().defaultTo(0);
    t.decimal('duration_seconds', 10, 3).notNullable().defaultTo(0);
    t.integer('transfers').unsigned().notNullable().defaultTo(0);
    t.string('voicemail_box', 32).nullable();
    t.json('steps').notNullable();
    t.timestamp('built_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.index(['started_at']);
    t.index(['direction', 'started_at']);
    t.index(['queue_number', 'started_at']);
    t.index(['did', 'started_at']);
    t.index(['outcome', 'started_at']);
    t.index(['caller_number']);
    t.index(['called_number']);
    t.index(['built_at']);
  });

  // Every extension a journey touched, and how: filters by extension and access control.
  await knex.schema.createTable('call_journey_parties', (t) => {
    t.bigInteger('journey_id').unsigned().notNullable().references('call_journeys.id').onDelete('CASCADE');
    t.string('extension', 32).notNullable();
    t.enum('role', ['caller', 'rung', 'answered', 'agent_rung', 'agent_answered', 'voicemail']).notNullable();
    t.primary(['journey_id', 'extension', 'role']);
    t.index(['extension', 'journey_id']);
  });

  // Departments group extensions for report filters ("Sales", "Support").
  await knex.schema.createTable('departments', (t) => {
    t.increments('id').primary();
    t.string('name', 80).notNullable().unique();
    t.timestamp('created_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
  });
  await knex.schema.createTable('department_extensions', (t) => {
    t.integer('department_id').unsigned().notNullable().references('departments.id').onDelete('CASCADE');
    t.string('extension', 32).notNullable();
    t.primary(['department_id', 'extension']);
  });

  // A recording Asterisk made (MixMonitor), found through its CEL USER_DEFINED event.
  await knex.schema.createTable('recordings', (t) => {
    t.bigIncrements('id').primary();
    t.string('linkedid', 64).notNullable();
    t.string('uniqueid', 64).notNullable();
    t.string('file_name', 160).notNullable().unique();
    t.enum('policy_target', ['extension', 'queue', 'route', 'on_demand']).notNullable();
    t.string('policy_ref', 64).notNullable().defaultTo('');
    t.integer('retention_days').unsigned().nullable();
    t.datetime('started_at', { precision: 3 }).notNullable();
    t.integer('bytes').unsigned().nullable();
    t.decimal('duration_seconds', 10, 3).nullable();
    t.datetime('deleted_at', { precision: 3 }).nullable();
    t.index(['linkedid']);
    t.index(['started_at']);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
