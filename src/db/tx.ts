import type { Knex } from 'knex';

export type Tx = Knex.Transaction & { afterCommit(fn: () => void): void };

// One unit of work: effects registered with afterCommit run only once the commit succeeded.
export async function withTx<T>(db: Knex, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const hooks: Array<() => void> = [];
  const result = await db.transaction(async (trx) => {
    const tx = Object.assign(trx, { afterCommit: (hook: () => void) => hooks.push(hook) }) as Tx;
    return fn(tx);
  });
  for (const hook of hooks) hook();
  return result;
}
