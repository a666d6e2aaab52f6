import type { Knex } from 'knex';

// Stored secrets (SIP secrets, trunk and SMTP passwords; voicemail PINs are hashed instead, by the next migrations) are now sealed
// (src/lib/sealed.ts: "v1:" + base64(iv | tag | ciphertext)), which is longer than the
// plaintext: 3 + 4/3 x (28 + n) characters. 512 holds a sealed 254-character
// SMTP password (379) with room for a later scheme. Sealing the existing rows is not done here:
// it needs the key file from Switchboard's state directory, which a migration run from the CLI or
// the test template database does not have; the start-up pass (sealStoredSecrets) seals them.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('extensions', (t) => {
    t.string('sip_secret', 512).notNullable().alter();
  });
  await knex.schema.alterTable('trunks', (t) => {
    t.string('password', 512).nullable().alter();
  });
  await knex.schema.alterTable('smtp_settings', (t) => {
    t.string('password', 512).nullable().alter();
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
