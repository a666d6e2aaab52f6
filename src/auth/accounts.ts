import argon2 from 'argon2';
import type { Knex } from 'knex';
import { z } from 'zod';
import { mapDbError } from '../db/mysql-errors';
import { randomSecret } from '../lib/crypto';
import * as repo from './users.repo';

export const Username = z
  .string()
  .min(2)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lowercase letters, digits, . _ - only');
export const Password = z.string().min(10, 'must be at least 10 characters').max(200);

// A real hash is verified even for unknown users, so response time does not reveal which exist.
let dummyHash: Promise<string> | null = null;

export async function createUser(
  db: Knex,
  input: { username: string; password: string; role: repo.Role; extensionNumber?: string | null },
): Promise<number> {
  const hash = await argon2.hash(input.password, { type: argon2.argon2id });
  try {
    return await repo.insert(db, {
      username: Username.parse(input.username),
      password_hash: hash,
      role: input.role,
      extension_number: input.extensionNumber ?? null,
    });
  } catch (err) {
    throw mapDbError(err, 'username');
  }
}

export async function verifyLogin(
  db: Knex,
  username: string,
  password: string,
): Promise<repo.UserRow | null> {
  const user = await repo.findByUsername(db, username);
  if (!user || user.disabled) {
    dummyHash ??= argon2.hash('not-a-real-password');
    await argon2.verify(await dummyHash, password).catch(() => false);
    return null;
  }
  return (await argon2.verify(user.password_hash, password)) ? user : null;
}

// First start: create the admin with ADMIN_PASSWORD, or a generated password printed once.
export async function ensureFirstAdmin(
  db: Knex,
  opts: { username: string; password?: string | undefined },
): Promise<{ created: boolean; username: string; password?: string }> {
  if ((await repo.countAdmins(db)) > 0) return { created: false, username: opts.username };
  const password = opts.password ?? randomSecret(20);
  await createUser(db, { username: opts.username, password: Password.parse(password), role: 'admin' });
  return opts.password
    ? { created: true, username: opts.username }
    : { created: true, username: opts.username, password };
}
