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

// InnoDB resolves a lock cycle by rolling one transaction back and asking for it to be run again
// (ER_LOCK_DEADLOCK); concurrent writers of the same unique keys (two journey builders, say) hit
// it. The whole transaction is run again, a few times, with a short random backoff.
export async function retryOnDeadlock<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const code = (err as { code?: unknown } | null)?.code;
      if (code !== 'ER_LOCK_DEADLOCK' || attempt >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 10 + Math.random() * 40 * attempt));
    }
  }
}
