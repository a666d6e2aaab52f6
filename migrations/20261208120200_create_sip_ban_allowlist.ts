import type { Knex } from 'knex';

// Addresses and networks an admin has said are never banned at the SIP edge (an office's public
// address, a carrier's range), on top of the SIP_BAN_ALLOWLIST setting.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sip_ban_allowlist', (t) => {
    t.increments('id').primary();
    // An IPv4/IPv6 address or CIDR (45 characters of address, "/128").
    t.string('cidr', 49).notNullable().unique();
    t.string('note', 120).nullable();
    t.string('created_by', 120).notNullable();
    t.timestamp('created_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
