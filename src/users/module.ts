import type { FeatureModule } from '../core/feature';
import { accountPages } from './account-pages';
import { userPages } from './pages';
import { userRoutes } from './routes';

export const usersModule: FeatureModule = {
  name: 'users',
  // TOTP secrets (src/auth/mfa.ts), active and pending, sealed like every stored secret.
  sealed: [
    { table: 'users', key: 'id', column: 'totp_secret' },
    { table: 'users', key: 'id', column: 'totp_pending_secret' },
  ],
  api: (deps) => [{ router: userRoutes(deps) }],
  pages: (deps) => [userPages(deps), accountPages(deps)],
};
