import { join } from 'node:path';
import { actorFor } from '../apply/trigger';
import { SecurityLogWatcher } from '../asterisk/security-log';
import { type FeatureModule, mountedAt } from '../core/feature';
import type { Deps } from '../deps';
import { securityPages } from './pages';
import { aclFile } from './render';
import { nextExpiry } from './repo';
import { securityRoutes } from './routes';
import { BanEngine, bannedNow } from './service';
import { trunkAddressBook } from './trunk-addresses';

export const securityModule: FeatureModule = {
  name: 'security',
  // Re-read when trunks change: a ban on an address that became a trunk's is lifted then.
  state: [
    { key: 'sipBans', readsAlso: ['trunks'], load: (db) => bannedNow(db, trunkAddressBook(db), new Date()) },
  ],
  render: { files: [{ name: 'pjsip_acl.conf', render: aclFile }] },
  ...mountedAt('/api/v1/security', securityRoutes, securityPages),
  start: (deps) => startBanning(deps),
};

// Follows Asterisk's security log into the ban engine, and ends each ban on time: after every
// apply a timer is set for the next ban to expire, whose apply renders the ACL without it.
function startBanning(deps: Deps) {
  const actor = actorFor(deps, 'sip-bans');
  const engine = new BanEngine(deps.db, deps.config.sipBans, actor, deps.log, trunkAddressBook(deps.db));
  const watcher = new SecurityLogWatcher(
    join(deps.config.asteriskLogDir, 'security.log'),
    (f) => engine.failure(f),
    deps.log,
  );
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const schedule = async () => {
    const next = await nextExpiry(deps.db, new Date());
    if (timer) clearTimeout(timer);
    timer = null;
    if (!next || stopped) return;
    // A few ms past the end, so the apply's load no longer counts the ban as active.
    const delay = Math.min(Math.max(next.getTime() - Date.now() + 5, 0), 2_147_000_000);
    timer = setTimeout(() => actor.requestApply('SIP ban expired', { sipBans: true }), delay);
    timer.unref();
  };
  const reschedule = () => {
    schedule().catch((err: unknown) => deps.log.error({ err }, 'scheduling SIP ban expiry failed'));
  };
  // The failure counter checks the trunks synchronously: know them before the first failure.
  trunkAddressBook(deps.db)
    .refreshFrom(deps.db)
    .catch((err: unknown) => deps.log.error({ err }, 'reading the trunk addresses failed'));
  watcher
    .start()
    .catch((err: unknown) => deps.log.error({ err }, 'starting the security log watcher failed'));
  reschedule();
  return {
    handle: engine,
    applied: reschedule,
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await watcher.stop();
      await engine.settled();
    },
  };
}
