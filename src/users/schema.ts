import { z } from 'zod';
import { Password, Username } from '../auth/accounts';
import { displayName } from '../lib/names';

const Role = z.enum(['admin', 'supervisor', 'user']);
const ExtensionRef = z
  .string()
  .regex(/^[1-9][0-9]{1,9}$/, 'must be an extension number')
  .nullable();

export const CreateUser = z.strictObject({
  username: Username,
  password: Password.optional(),
  role: Role,
  extension_number: ExtensionRef.default(null),
});

export const PatchUser = z.strictObject({
  password: Password.optional(),
  role: Role.optional(),
  extension_number: ExtensionRef.optional(),
  disabled: z.boolean().optional(),
});

// A token expires after expires_in_days (default 90; null: never, asked for explicitly); a
// 'read' token may only read.
export const CreateToken = z.strictObject({
  name: displayName(100),
  scope: z.enum(['read', 'full']).default('full'),
  expires_in_days: z.number().int().min(1).max(3650).nullable().default(90),
});

export const ChangePassword = z.strictObject({
  current_password: z.string().min(1).max(200),
  new_password: z.string().max(200),
});

export const AccountPolicy = z.strictObject({
  mfa_required_roles: z.array(Role).max(3),
});
