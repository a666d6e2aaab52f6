import argon2 from 'argon2';
import type { Knex } from 'knex';
import { insert, type Role } from '../../src/auth/users.repo';
import { noteSecret } from './secret-ledger';

// The people every suite signs in as. They are fixtures, not what is under test: the product's
// own createUser (argon2id at its production cost, ~0.4 s of CPU per hash) is exercised by the
// users suites and the admin API. A fixture's hash is made once per process at a low cost, and
// since argon2 reads the cost from the hash, each sign-in as a fixture is cheap too: the suite
// would otherwise spend minutes of CPU hashing the same three passwords.
const hashes = new Map<string, Promise<string>>();

function fixtureHash(password: string): Promise<string> {
  let hash = hashes.get(password);
  if (!hash) {
    hash = argon2.hash(password, { type: argon2.argon2id, memoryCost: 1024, timeCost: 1, parallelism: 1 });
    hashes.set(password, hash);
  }
  return hash;
}

export async function seedUser(
  db: Knex,
  user: { username: string; password: string; role: Role; extensionNumber?: string | null },
): Promise<number> {
  noteSecret(user.password);
  return insert(db, {
    username: user.username,
    password_hash: await fixtureHash(user.password),
    role: user.role,
    extension_number: user.extensionNumber ?? null,
  });
}
