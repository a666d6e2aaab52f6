import type { Knex } from 'knex';

export type Role = 'admin' | 'supervisor' | 'user';
export const ROLES: readonly Role[] = ['admin', 'supervisor', 'user'];

export interface UserRow {
  id: number;
  username: string;
  password_hash: string;
  role: Role;
  extension_number: string | null;
  disabled: number | boolean;
  must_change_password: number | boolean;
  totp_secret: string | null;
  totp_pending_secret: string | null;
  totp_enabled_at: Date | null;
  totp_last_step: number | string | null;
  created_at: Date;
  updated_at: Date;
}

export async function findByUsername(db: Knex, username: string): Promise<UserRow | undefined> {
  return db<UserRow>('users').where({ username }).first();
}

export async function findById(db: Knex, id: number): Promise<UserRow | undefined> {
  return db<UserRow>('users').where({ id }).first();
}

export async function insert(
  db: Knex,
  row: {
    username: string;
    password_hash: string;
    role: Role;
    extension_number: string | null;
    must_change_password?: boolean;
  },
): Promise<number> {
  const [id] = await db('users').insert(row);
  return Number(id);
}

export async function countAdmins(db: Knex): Promise<number> {
  const row = await db('users').where({ role: 'admin' }).count<{ n: number }[]>({ n: '*' }).first();
  return Number(row?.n ?? 0);
}
