import type { Knex } from 'knex';

// One row (id 1) once an admin has saved the outgoing mail server; none: email is not set up.
// The password is stored in clear because SMTP AUTH needs it back; the API never returns it.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('smtp_settings', (t) => {
    t.integer('id').unsigned().primary();
    t.string('host', 253).notNullable();
    t.integer('port').unsigned().notNullable();
    // tls: TLS from the first byte (465); starttls: upgrade required; none: plain (local relay).
    t.enum('tls_mode', ['none', 'starttls', 'tls']).notNullable();
    t.string('username', 254).nullable();
    t.string('password', 254).nullable();
    t.string('from_address', 254).notNullable();
    t.string('from_name', 100).nullable();
    t.timestamp('updated_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
