import type { Knex } from 'knex';

// Toll-fraud limits per extension (issue 16): whether its forwarding and follow-me may dial out,
// how many forwarded calls may be out at once, and its international spend limits. No row means
// the defaults: no external forwarding, the default caps.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('extension_toll_limits', (t) => {
    t.string('extension_number', 20)
      .primary()
      .references('extensions.number')
      .onDelete('CASCADE')
      .onUpdate('CASCADE');
    t.boolean('may_forward_external').notNullable().defaultTo(false);
    t.integer('forward_max_concurrent').unsigned().notNullable().defaultTo(2);
    // NULL: no limit of its own.
    t.integer('intl_max_concurrent').unsigned().nullable().defaultTo(2);
    t.integer('intl_max_daily').unsigned().nullable().defaultTo(20);
    t.timestamp('updated_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
