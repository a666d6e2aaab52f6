import type { Knex } from 'knex';

// One account per extension: the extension number is how a `user` account is tied to its own
// phone, voicemail and queues, so two accounts sharing one would see each other's. Duplicates
// from before are cut loose (all but the oldest account lose the link) and named in the log.
export async function up(knex: Knex): Promise<void> {
  const dups = (await knex('users')
    .whereNotNull('extension_number')
    .groupBy('extension_number')
    .havingRaw('COUNT(*) > 1')
    .select('extension_number')
    .min({ keep: 'id' })) as Array<{ extension_number: string; keep: number }>;
  for (const d of dups) {
    const cut = (await knex('users')
      .where({ extension_number: d.extension_number })
      .whereNot({ id: d.keep })
      .pluck('username')) as string[];
    await knex('users')
      .where({ extension_number: d.extension_number })
      .whereNot({ id: d.keep })
      .update({ extension_number: null });
    console.warn(
      `migration: extension ${d.extension_number} was linked to several accounts; unlinked from ${cut.join(', ')}`,
    );
  }
  await knex.schema.alterTable('users', (t) => {
    t.unique(['extension_number'], { indexName: 'users_extension_number_unique' });
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
