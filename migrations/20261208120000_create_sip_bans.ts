import type { Knex } from 'knex';

// Addresses refused at the SIP edge after repeated failed authentications (src/security). A row
// stays after its ban ends (expired or lifted) as the history an admin reads; the active bans are
// those not lifted whose expires_at is still ahead.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sip_bans', (t) => {
    t.increments('id').primary();
    // An IPv4 or IPv6 address as text (45 = the longest IPv6 form with an IPv4 tail).
    t.string('address', 45).notNullable();
    t.string('reason', 200).notNullable();
    t.integer('failures').notNullable();
    t.timestamp('banned_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.timestamp('expires_at', { precision: 3 }).notNullable();
    t.timestamp('lifted_at', { precision: 3 }).nullable();
    // Who lifted it early, as the audit trail names people; null when it expired by itself.
    t.string('lifted_by', 120).nullable();
    t.index(['address']);
    t.index(['expires_at']);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
