import type { Knex } from 'knex';

// Per-account backoff, on top of the per-address limit: an attacker spreading guesses over many
// addresses still meets a lock that doubles with every failure. Wrong passwords and wrong second
// factors count alike; a complete sign-in clears the count.
export const FREE_FAILURES = 3;
const BASE_LOCK_SECONDS = 15;
const MAX_LOCK_SECONDS = 15 * 60;
// A failure older than this no longer counts: yesterday's typos do not lock today.
const FORGET_AFTER_MS = 24 * 3_600_000;

// The lock that follows the n-th failure in a row: none for the first few, then 15 s doubling
// up to 15 minutes.
export function lockSecondsAfter(failures: number): number {
  if (failures < FREE_FAILURES) return 0;
  return Math.min(BASE_LOCK_SECONDS * 2 ** (failures - FREE_FAILURES), MAX_LOCK_SECONDS);
}

const key = (username: string) => username.toLowerCase().slice(0, 64);

// Seconds the account is still locked for (0: it may try).
export async function lockedFor(db: Knex, username: string): Promise<number> {
  const row = await db('login_failures')
    .where({ username: key(username) })
    .first<{ locked_until: Date | null } | undefined>();
  const ms = row?.locked_until ? row.locked_until.getTime() - Date.now() : 0;
  return ms > 0 ? Math.ceil(ms / 1000) : 0;
}

// Counts one failure and returns the lock it earned, in seconds.
export async function recordFailure(db: Knex, username: string): Promise<number> {
  // Names typed once and never again (most of them made up) do not pile up.
  await db('login_failures')
    .where('last_failed_at', '<', new Date(Date.now() - FORGET_AFTER_MS))
    .andWhere((q) => {
      q.whereNull('locked_until').orWhere('locked_until', '<', new Date());
    })
    .delete();
  return db.transaction(async (trx) => {
    const row = await trx('login_failures')
      .where({ username: key(username) })
      .forUpdate()
      .first<{ failures: number; last_failed_at: Date } | undefined>();
    const stale = !row || Date.now() - row.last_failed_at.getTime() > FORGET_AFTER_MS;
    const failures = (stale ? 0 : row.failures) + 1;
    const lock = lockSecondsAfter(failures);
    const values = {
      failures,
      last_failed_at: new Date(),
      locked_until: lock > 0 ? new Date(Date.now() + lock * 1000) : null,
    };
    if (row)
      await trx('login_failures')
        .where({ username: key(username) })
        .update(values);
    else await trx('login_failures').insert({ username: key(username), ...values });
    return lock;
  });
}

export async function clearFailures(db: Knex, username: string): Promise<void> {
  await db('login_failures')
    .where({ username: key(username) })
    .delete();
}

export function lockMessage(seconds: number): string {
  const wait = seconds >= 90 ? `${Math.ceil(seconds / 60)} minutes` : `${seconds} seconds`;
  return `Too many failed sign-ins for this account. Try again in ${wait}.`;
}
