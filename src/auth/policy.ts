import type { Knex } from 'knex';
import { ROLES, type Role } from './users.repo';

// Which roles must sign in with a second factor (one row, id 1).
export async function mfaRequiredRoles(db: Knex): Promise<Role[]> {
  const row = await db('account_policy').where({ id: 1 }).first<{ mfa_required_roles: string } | undefined>();
  const listed = (row?.mfa_required_roles ?? '').split(',');
  return ROLES.filter((r) => listed.includes(r));
}

export async function setMfaRequiredRoles(db: Knex, roles: readonly Role[]): Promise<Role[]> {
  const value = ROLES.filter((r) => roles.includes(r)).join(',');
  await db('account_policy').insert({ id: 1, mfa_required_roles: value }).onConflict('id').merge();
  return mfaRequiredRoles(db);
}
