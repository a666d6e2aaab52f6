import type { Knex } from 'knex';

// International spend limits per trunk (issue 16). No row, or NULL: no limit.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('trunk_toll_limits', (t) => {
    t.integer('trunk_id').unsigned().primary().references('trunks.id').onDelete('CASCADE');
    t.integer('intl_max_concurrent').unsigned().nullable();
    t.integer('intl_max_daily').unsigned().nullable();
    t.timestamp('updated_at', { precision: 3 }).notNullable().defaultTo(knex.fn.now(3));
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
