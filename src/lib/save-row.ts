import type { Knex } from 'knex';
import { mapDbError } from '../db/mysql-errors';
import { NotFoundError } from '../http/errors';

// Inserts `row` into `table` (id null) or replaces the row with that id, stamping updated_at, and
// answers its id: 404 naming `what` when the row is gone, 409 when the name is already in use.
export async function saveNamedRow(
  tx: Knex,
  table: string,
  id: number | null,
  row: Record<string, unknown>,
  what: string,
): Promise<number> {
  try {
    if (id === null) return ((await tx(table).insert(row)) as [number])[0];
    if (
      (await tx(table)
        .where({ id })
        .update({ ...row, updated_at: tx.fn.now(3) })) === 0
    )
      throw new NotFoundError(`${what} ${id}`);
    return id;
  } catch (err) {
    throw mapDbError(err, 'name');
  }
}

// Replaces the ordered children of one parent (members of a ring group, steps of a follow-me):
// the old ones are deleted, the new ones inserted with position 1, 2, … in the order given.
export async function replaceOrdered(
  db: Knex,
  table: string,
  parent: Record<string, string | number>,
  rows: ReadonlyArray<Record<string, unknown>>,
): Promise<void> {
  await db(table).where(parent).delete();
  if (rows.length > 0) await db(table).insert(rows.map((r, i) => ({ ...parent, position: i + 1, ...r })));
}
