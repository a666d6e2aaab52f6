import type { Knex } from 'knex';

// The language a caller hears (Asterisk's channel language, which picks a greeting's variant and
// the voicemail prompts): an extension's endpoint, an inbound route and an IVR option may set it.
// NULL everywhere: nothing chosen, the endpoint's and trunk's default `en` stays. Three nullable
// columns without data to move, each guarded, so a half-applied run completes on the next.
const COLUMNS: ReadonlyArray<[table: string, after: string]> = [
  ['extensions', 'outbound_caller_id'],
  ['inbound_routes', 'queue_priority'],
  ['ivr_options', 'destination_target'],
];

export async function up(knex: Knex): Promise<void> {
  for (const [table, after] of COLUMNS) {
    if (await knex.schema.hasColumn(table, 'language')) continue;
    await knex.schema.alterTable(table, (t) => {
      t.string('language', 5).nullable().after(after);
    });
  }
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
