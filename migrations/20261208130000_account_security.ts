import type { Knex } from 'knex';

// Accounts (issue 16, point 8): TOTP second factor with one-time recovery codes, a forced
// password change for the generated first admin, per-username backoff on failed sign-ins, a
// half-signed-in session stage, and API tokens that expire and may be read-only.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.boolean('must_change_password').notNullable().defaultTo(false);
    // Base32 TOTP secret; pending until the user confirms it with a code. 255 wide so an
    // encrypted form fits when secrets at rest are encrypted.
    t.string('totp_secret', 255).nullable();
    t.string('totp_pending_secret', 255).nullable();
    t.timestamp('totp_enabled_at', { precision: 3 }).nullable();
    // The last accepted TOTP time step: a code is accepted once (replay protection).
    t.bigInteger('totp_last_step').nullable();
  });
  await knex.schema.createTable('user_recovery_codes', (t) => {
    t.increments('id').primary();
    t.integer('user_id').unsigned().notNullable().references('users.id').onDelete('CASCADE');
    t.string('code_hash', 64).notNullable();
    t.timestamp('used_at', { precision: 3 }).nullable();
    t.unique(['user_id', 'code_hash']);
  });
  // Keyed by the name typed, not by users.id: unknown names back off the same way, so the
  // answer does not tell which accounts exist.
  await knex.schema.createTable('login_failures', (t) => {
    t.string('username', 64).primary();
    t.integer('failures').unsigned().notNullable().defaultTo(0);
    t.timestamp('locked_until', { precision: 3 }).nullable();
    t.timestamp('last_failed_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
  });
  await knex.schema.alterTable('sessions', (t) => {
    // 'mfa': the password was right but the second factor is still owed; grants nothing.
    t.enum('stage', ['active', 'mfa']).notNullable().defaultTo('active');
  });
  await knex.schema.alterTable('api_tokens', (t) => {
    t.enum('scope', ['read', 'full']).notNullable().defaultTo('full');
    t.timestamp('expires_at', { precision: 3 }).nullable();
  });
  await knex.schema.createTable('account_policy', (t) => {
    t.integer('id').unsigned().primary();
    // Comma-separated roles that must use a second factor (empty: nobody is forced).
    t.string('mfa_required_roles', 64).notNullable().defaultTo('');
  });
  await knex('account_policy').insert({ id: 1, mfa_required_roles: '' });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
