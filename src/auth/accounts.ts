import argon2 from 'argon2';
import type { Knex } from 'knex';
import { z } from 'zod';
import { mapDbError } from '../db/mysql-errors';
import { UnprocessableError } from '../http/errors';
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
  input: {
    username: string;
    password: string;
    role: repo.Role;
    extensionNumber?: string | null;
    mustChangePassword?: boolean;
  },
): Promise<number> {
  const hash = await argon2.hash(input.password, { type: argon2.argon2id });
  try {
    return await repo.insert(db, {
      username: Username.parse(input.username),
      password_hash: hash,
      role: input.role,
      extension_number: input.extensionNumber ?? null,
      must_change_password: input.mustChangePassword ?? false,
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

// Self-service change: the current password proves it is the account's owner at the keyboard
// (not someone at an unlocked screen). Returns false when the current password is wrong; a new
// password the policy refuses is a 422 with the reason.
export async function changeOwnPassword(
  db: Knex,
  userId: number,
  current: string,
  next: string,
): Promise<boolean> {
  const user = await repo.findById(db, userId);
  if (!user || !(await argon2.verify(user.password_hash, current))) return false;
  const parsed = Password.safeParse(next);
  const reason = !parsed.success
    ? (parsed.error.issues[0]?.message ?? 'not allowed')
    : next === current
      ? 'must differ from the current password'
      : next.toLowerCase().includes(user.username.toLowerCase())
        ? 'must not contain the username'
        : null;
  if (reason)
    throw new UnprocessableError(`the new password ${reason}`, [{ path: 'new_password', message: reason }]);
  await db('users')
    .where({ id: userId })
    .update({
      password_hash: await argon2.hash(next, { type: argon2.argon2id }),
      must_change_password: false,
      updated_at: db.fn.now(3),
    });
  return true;
}

// First start: create the admin with ADMIN_PASSWORD, or a generated password printed once and
// flagged must-change (it has been on a terminal, maybe in a scrollback or a CI log).
export async function ensureFirstAdmin(
  db: Knex,
  opts: { username: string; password?: string | undefined },
): Promise<{ created: boolean; username: string; password?: string }> {
  if ((await repo.countAdmins(db)) > 0) return { created: false, username: opts.username };
  const password = opts.password ?? randomSecret(20);
  await createUser(db, {
    username: opts.username,
    password: Password.parse(password),
    role: 'admin',
    mustChangePassword: !opts.password,
  });
  return opts.password
    ? { created: true, username: opts.username }
    : { created: true, username: opts.username, password };
}
