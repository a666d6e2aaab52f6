import type { Knex } from 'knex';
import { isSealed, seal } from '../lib/sealed';

// A column holding a secret that Switchboard must read back in clear (Asterisk's pjsip.conf,
// SMTP AUTH), so it is sealed rather than hashed. Features declare theirs (FeatureModule.sealed).
export interface SealedColumn {
  table: string;
  key: string;
  column: string;
}

const BATCH = 500;

// Seals every value still in clear: rows written before sealing existed, or restored from an old
// backup. Run at each start, after the migrations and once the key is loaded; idempotent (sealed
// values start with "v1:"). Every write path seals, so a value still in clear when the UPDATE runs
// is the one read here; the NOT LIKE guard leaves a row a request re-wrote meanwhile as it is.
// One UPDATE … CASE per 500 rows: 10,000 extensions seal in a fraction of a second.
export async function sealStoredSecrets(db: Knex, columns: readonly SealedColumn[]): Promise<number> {
  let sealed = 0;
  for (const c of columns) {
    const rows = (await db(c.table)
      .select({ k: c.key, v: c.column })
      .whereNotNull(c.column)
      .andWhereNot(c.column, 'like', 'v1:%')) as Array<{ k: string | number; v: string }>;
    const clear = rows.filter((r) => !isSealed(r.v));
    for (let i = 0; i < clear.length; i += BATCH) {
      const batch = clear.slice(i, i + BATCH);
      const cases = batch.map(() => 'WHEN ? THEN ?').join(' ');
      sealed += await db(c.table)
        .whereIn(
          c.key,
          batch.map((r) => r.k),
        )
        .andWhereNot(c.column, 'like', 'v1:%')
        .update({
          [c.column]: db.raw(`CASE ?? ${cases} END`, [c.key, ...batch.flatMap((r) => [r.k, seal(r.v)])]),
        });
    }
  }
  return sealed;
}
