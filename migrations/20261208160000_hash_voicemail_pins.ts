import argon2 from 'argon2';
import type { Knex } from 'knex';
import { pinWeakness } from '../src/voicemail/boxes/pin-rule';

// Voicemail PINs stop being kept in clear: Switchboard checks them itself (through ARI, before
// handing the call to VoiceMailMain with the 's' option), so only an argon2 hash is needed.
// pin_weak flags PINs set under the old 4-digit rule that the new rule refuses, so admins see
// which boxes to change; failed_logins/locked_until carry the lockout across calls and restarts.
// A box without a hash (pin_hash NULL) cannot be opened with a PIN at all.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('voicemail_boxes', (t) => {
    t.string('pin_hash', 255).nullable().after('pin');
    t.boolean('pin_weak').notNullable().defaultTo(false).after('pin_hash');
    t.integer('failed_logins').unsigned().notNullable().defaultTo(0).after('pin_weak');
    t.timestamp('locked_until', { precision: 3 }).nullable().after('failed_logins');
  });
  const rows = (await knex('voicemail_boxes').select('extension_number', 'pin')) as Array<{
    extension_number: string;
    pin: string;
  }>;
  for (const r of rows) {
    await knex('voicemail_boxes')
      .where({ extension_number: r.extension_number })
      .update({
        pin_hash: await argon2.hash(r.pin, { type: argon2.argon2id }),
        pin_weak: pinWeakness(r.pin, r.extension_number) !== null,
      });
  }
  await knex.schema.alterTable('voicemail_boxes', (t) => {
    t.dropColumn('pin');
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
