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

export const CreateToken = z.strictObject({
  name: displayName(100),
});
