import type { Knex } from 'knex';

// Who points at what: every destination and every greeting a feature uses is one row here, so
// "may this be deleted?" and "where is this used?" are one query for all features.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('destination_refs', (t) => {
    t.increments('id').primary();
    t.string('owner_type', 30).notNullable();
    t.string('owner_id', 40).notNullable();
    t.string('owner_name', 120).notNullable();
    t.string('role', 60).notNullable();
    t.string('ref_type', 30).notNullable();
    t.string('ref_target', 40).notNullable();
    t.index(['ref_type', 'ref_target']);
    t.index(['owner_type', 'owner_id']);
  });
  const routes = (await knex('inbound_routes').select(
    'id',
    'name',
    'destination_type',
    'destination_target',
  )) as Array<{ id: number; name: string; destination_type: string; destination_target: string }>;
  if (routes.length > 0) {
    await knex('destination_refs').insert(
      routes.map((r) => ({
        owner_type: 'inbound-route',
        owner_id: String(r.id),
        owner_name: r.name,
        role: 'destination',
        ref_type: r.destination_type,
        ref_target: r.destination_target,
      })),
    );
  }
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
