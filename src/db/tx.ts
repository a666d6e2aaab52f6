import type { Knex } from 'knex';
import { writePendingAudit } from '../audit/scope';

export type Tx = Knex.Transaction & { afterCommit(fn: () => void): void };

// One unit of work: effects registered with afterCommit run only once the commit succeeded.
// Inside a mutating request, the request's audit row is written last, in the same transaction:
// the change and its record commit or roll back together.
export async function withTx<T>(db: Knex, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const hooks: Array<() => void> = [];
  let undoAudit: (() => void) | null = null;
  let result: T;
  try {
    result = await db.transaction(async (trx) => {
      const tx = Object.assign(trx, { afterCommit: (hook: () => void) => hooks.push(hook) }) as Tx;
      const value = await fn(tx);
      undoAudit = await writePendingAudit(trx);
      return value;
    });
  } catch (err) {
    (undoAudit as (() => void) | null)?.();
    throw err;
  }
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
