import type { Knex } from 'knex';

// One voicemail box per extension that has voicemail (extensions.voicemail_enabled mirrors the
// row's existence). The PIN is kept in clear like a SIP secret: app_voicemail reads it from
// voicemail.conf. Greetings are Switchboard greetings copied into the box's spool directory.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('voicemail_boxes', (t) => {
    t.string('extension_number', 20)
      .primary()
      .references('extensions.number')
      .onDelete('CASCADE')
      .onUpdate('CASCADE');
    t.string('pin', 10).notNullable();
    t.string('email', 254).nullable();
    t.boolean('attach_audio').notNullable().defaultTo(true);
    t.boolean('delete_after_email').notNullable().defaultTo(false);
    t.boolean('transcribe').notNullable().defaultTo(false);
    t.boolean('skip_pin_from_own_phone').notNullable().defaultTo(true);
    for (const kind of ['unavailable', 'busy', 'name', 'temporary']) {
      t.integer(`${kind}_greeting_id`).unsigned().nullable().references('greetings.id').onDelete('RESTRICT');
    }
    t.timestamp('created_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
    t.timestamp('updated_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
