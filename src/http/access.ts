import type { AuthUser } from '../auth/middleware';
import { ForbiddenError } from './errors';

// Admins may act on any extension; a user only on their own (403 with `refusal` otherwise).
export function assertAdminOrOwner(user: AuthUser | undefined, extension: string, refusal: string): void {
  if (user?.role === 'admin') return;
  if (user?.role === 'user' && user.extensionNumber === extension) return;
  throw new ForbiddenError(refusal);
}
