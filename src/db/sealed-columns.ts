import type { Knex } from 'knex';
import { isSealed, seal } from '../lib/sealed';

// A column holding a secret that Switchboard must read back in clear (Asterisk's pjsip.conf,
// SMTP AUTH), so it is sealed rather than hashed. Features declare theirs (FeatureModule.sealed).
export interface SealedColumn {
  table: string;
  key: string;
  column: string;
}

// Seals every value still in clear: rows written before sealing existed, or restored from an old
// backup. Run at each start, after the migrations and once the key is loaded; idempotent (sealed
// values start with "v1:"). Each update is guarded by the old value, so a row a request changed
// meanwhile is left as that request wrote it (sealed already).
export async function sealStoredSecrets(db: Knex, columns: readonly SealedColumn[]): Promise<number> {
  let sealed = 0;
  for (const c of columns) {
    const rows = (await db(c.table)
      .select({ k: c.key, v: c.column })
      .whereNotNull(c.column)
      .andWhereNot(c.column, 'like', 'v1:%')) as Array<{ k: string | number; v: string }>;
    // One transaction per column: one commit (one log flush) for thousands of rows.
    await db.transaction(async (trx) => {
      for (const row of rows) {
        if (isSealed(row.v)) continue;
        sealed += await trx(c.table)
          .where({ [c.key]: row.k, [c.column]: row.v })
          .update({ [c.column]: seal(row.v) });
      }
    });
  }
  return sealed;
}
