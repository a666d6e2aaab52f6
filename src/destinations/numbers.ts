import type { Knex } from 'knex';
import { ConflictError } from '../http/errors';

// Extensions, queues and ring groups share one dial plan: a number dialled from a phone or
// chosen as a destination must mean one thing. Each feature asks here before taking a number.
const OWNERS = [
  { table: 'extensions', column: 'number', what: 'extension' },
  { table: 'queues', column: 'number', what: 'queue' },
  { table: 'ring_groups', column: 'number', what: 'ring group' },
] as const;

export type NumberOwner = (typeof OWNERS)[number]['what'];

// `self` names the object being saved, so that keeping its own number is not a conflict.
export async function assertNumberFree(
  db: Knex,
  number: string,
  self?: { what: NumberOwner; number: string },
  path = 'number',
): Promise<void> {
  for (const owner of OWNERS) {
    if (self && self.what === owner.what && self.number === number) continue;
    const found = await db(owner.table).where(owner.column, number).first(owner.column);
    if (found) {
      throw new ConflictError(`number ${number} is already used by ${owner.what} ${number}`, [
        { path, message: `already used by ${owner.what} ${number}` },
      ]);
    }
  }
}

// The numbers among `numbers` that a queue or ring group already has (for bulk extension imports).
export async function numbersTakenByOthers(
  db: Knex,
  numbers: readonly string[],
  except: NumberOwner,
): Promise<Map<string, NumberOwner>> {
  const taken = new Map<string, NumberOwner>();
  for (const owner of OWNERS) {
    if (owner.what === except) continue;
    for (let i = 0; i < numbers.length; i += 1000) {
      const found = await db(owner.table)
        .whereIn(owner.column, numbers.slice(i, i + 1000))
        .pluck(owner.column);
      for (const n of found as string[]) taken.set(n, owner.what);
    }
  }
  return taken;
}
