import type { Knex } from 'knex';

// Who changed what: one row per successful change (written in the change's own transaction),
// per reveal or export of secrets, and per explicit event (logins, emergency switches…).
// No foreign key to users: a deleted user's past actions stay attributed (actor keeps the name).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id').primary();
    t.datetime('at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.integer('actor_user_id').unsigned().nullable();
    t.string('actor', 128).notNullable();
    t.string('via', 16).notNullable();
    t.string('ip', 64).nullable();
    t.string('method', 8).nullable();
    t.string('action', 255).notNullable();
    t.string('summary', 255).nullable();
    t.string('object_type', 64).nullable();
    t.string('object_id', 128).nullable();
    t.json('before').nullable();
    t.json('after').nullable();
    t.string('outcome', 32).notNullable().defaultTo('ok');
    t.index(['at'], 'audit_log_at');
    t.index(['actor', 'at'], 'audit_log_actor_at');
    t.index(['action', 'at'], 'audit_log_action_at');
    t.index(['object_type', 'object_id'], 'audit_log_object');
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
