import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('trunks', (t) => {
    t.increments('id').primary();
    t.string('name', 40).notNullable().unique();
    t.enum('kind', ['registration', 'ip']).notNullable();
    t.string('host', 253).notNullable();
    t.integer('port').notNullable().defaultTo(5060);
    t.enum('transport', ['udp', 'tcp']).notNullable().defaultTo('udp');
    t.string('username', 80).nullable();
    t.string('password', 128).nullable();
    t.string('from_user', 80).nullable();
    t.string('from_domain', 253).nullable();
    t.integer('registration_expiry').notNullable().defaultTo(3600);
    t.integer('retry_interval').notNullable().defaultTo(60);
    t.text('peer_addresses').notNullable();
    t.string('codecs', 200).notNullable();
    t.integer('max_channels').notNullable().defaultTo(0);
    t.enum('caller_id_presentation', ['allowed', 'withheld']).notNullable().defaultTo('allowed');
    t.enum('dtmf_mode', ['rfc4733', 'inband', 'info', 'auto']).notNullable().defaultTo('rfc4733');
    t.boolean('qualify').notNullable().defaultTo(true);
    t.enum('number_format', ['as_dialled', 'e164_plus']).notNullable().defaultTo('as_dialled');
    t.timestamp('created_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.timestamp('updated_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
