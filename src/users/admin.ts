import argon2 from 'argon2';
import type { Knex } from 'knex';
import type { z } from 'zod';
import { createUser } from '../auth/accounts';
import { disableMfa } from '../auth/mfa';
import { createApiToken } from '../auth/tokens';
import type { UserRow } from '../auth/users.repo';
import { mapDbError } from '../db/mysql-errors';
import { ConflictError, NotFoundError, UnprocessableError } from '../http/errors';
import { randomSecret } from '../lib/crypto';
import type { CreateToken, CreateUser, PatchUser } from './schema';

export function toApi(u: UserRow) {
  return {
    id: u.id,
    username: u.username,
    role: u.role,
    extension_number: u.extension_number,
    disabled: Boolean(u.disabled),
    mfa_enabled: Boolean(u.totp_secret && u.totp_enabled_at),
    must_change_password: Boolean(u.must_change_password),
    created_at: u.created_at.toISOString(),
    updated_at: u.updated_at.toISOString(),
  };
}

export async function list(db: Knex) {
  return ((await db<UserRow>('users').orderBy('username')) as UserRow[]).map(toApi);
}

async function mustFind(db: Knex, id: number): Promise<UserRow> {
  const row = await db<UserRow>('users').where({ id }).first();
  if (!row) throw new NotFoundError(`user ${id}`);
  return row;
}

async function assertExtension(db: Knex, number: string | null | undefined): Promise<void> {
  if (!number) return;
  if (!(await db('extensions').where({ number }).first('number'))) {
    throw new UnprocessableError(`extension ${number} does not exist`, [
      { path: 'extension_number', message: 'no such extension' },
    ]);
  }
}

// One account per extension (a unique key in the table too): the extension is what ties a
// `user` account to its own phone, voicemail and queues. Checked first so the 409 names the field
// (a duplicate-key error alone does not say which key).
async function assertExtensionFree(
  db: Knex,
  number: string | null | undefined,
  self?: number,
): Promise<void> {
  if (!number) return;
  const q = db('users').where({ extension_number: number });
  if (self !== undefined) q.whereNot({ id: self });
  const other = (await q.first('username')) as { username: string } | undefined;
  if (other) {
    throw new ConflictError(`extension ${number} already belongs to user ${other.username}`, [
      { path: 'extension_number', message: 'already linked to another user' },
    ]);
  }
}

// The password is returned only when Switchboard generated it, and only now.
export async function create(db: Knex, input: z.infer<typeof CreateUser>) {
  await assertExtension(db, input.extension_number);
  await assertExtensionFree(db, input.extension_number);
  const password = input.password ?? randomSecret(20);
  const id = await createUser(db, {
    username: input.username,
    password,
    role: input.role,
    extensionNumber: input.extension_number,
  });
  return { ...toApi(await mustFind(db, id)), ...(input.password ? {} : { password }) };
}

// An installation must always keep one enabled admin who can sign in.
async function assertAnotherAdmin(db: Knex, user: UserRow, action: string): Promise<void> {
  if (user.role !== 'admin' || user.disabled) return;
  const others = await db('users')
    .where({ role: 'admin', disabled: false })
    .whereNot({ id: user.id })
    .count<{ n: number }[]>({ n: '*' })
    .first();
  if (Number(others?.n ?? 0) === 0) throw new ConflictError(`cannot ${action} the last enabled admin`);
}

export async function patch(db: Knex, id: number, input: z.infer<typeof PatchUser>) {
  const user = await mustFind(db, id);
  if ((input.role !== undefined && input.role !== 'admin') || input.disabled === true)
    await assertAnotherAdmin(db, user, 'demote or disable');
  await assertExtension(db, input.extension_number);
  await assertExtensionFree(db, input.extension_number, id);
  const row: Partial<UserRow> = {};
  if (input.role !== undefined) row.role = input.role;
  if (input.extension_number !== undefined) row.extension_number = input.extension_number;
  if (input.disabled !== undefined) row.disabled = input.disabled;
  if (input.password !== undefined)
    row.password_hash = await argon2.hash(input.password, { type: argon2.argon2id });
  if (Object.keys(row).length > 0)
    await db('users')
      .where({ id })
      .update({ ...row, updated_at: db.fn.now(3) })
      .catch((err: unknown) => {
        throw mapDbError(err, 'extension_number');
      });
  // A new password or a disabled account ends every session of that user.
  if (input.password !== undefined || input.disabled === true)
    await db('sessions').where({ user_id: id }).delete();
  return toApi(await mustFind(db, id));
}

export async function remove(db: Knex, id: number): Promise<void> {
  const user = await mustFind(db, id);
  await assertAnotherAdmin(db, user, 'delete');
  await db('users').where({ id }).delete();
}

export async function tokens(db: Knex, userId: number) {
  await mustFind(db, userId);
  const rows = (await db('api_tokens').where({ user_id: userId }).orderBy('id')) as Array<{
    id: number;
    name: string;
    scope: 'read' | 'full';
    created_at: Date;
    last_used_at: Date | null;
    expires_at: Date | null;
  }>;
  return rows.map((t) => ({
    id: t.id,
    name: t.name,
    scope: t.scope,
    created_at: t.created_at.toISOString(),
    last_used_at: t.last_used_at?.toISOString() ?? null,
    expires_at: t.expires_at?.toISOString() ?? null,
    expired: t.expires_at !== null && t.expires_at.getTime() <= Date.now(),
  }));
}

export async function createToken(db: Knex, userId: number, input: z.infer<typeof CreateToken>) {
  await mustFind(db, userId);
  const expiresAt =
    input.expires_in_days === null ? null : new Date(Date.now() + input.expires_in_days * 86_400_000);
  const token = await createApiToken(db, userId, input.name, { scope: input.scope, expiresAt });
  return { name: input.name, scope: input.scope, expires_at: expiresAt?.toISOString() ?? null, token };
}

// A lost phone: the admin removes the second factor; if the role requires one, the user is sent
// to enrol again at the next sign-in.
export async function resetMfa(db: Knex, id: number): Promise<void> {
  await mustFind(db, id);
  await disableMfa(db, id);
}

export async function revokeToken(db: Knex, userId: number, tokenId: number): Promise<void> {
  if ((await db('api_tokens').where({ id: tokenId, user_id: userId }).delete()) === 0)
    throw new NotFoundError(`token ${tokenId}`);
}
