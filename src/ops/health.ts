import { BlockList, isIP } from 'node:net';
import { type Request, Router } from 'express';
import { latestRevision } from '../apply/revisions.repo';
import { ingestStatus } from '../calldata/ingest';
import type { Config } from '../config';
import type { Deps } from '../deps';
import { AppError } from '../http/errors';
import { safeEqual } from '../lib/crypto';

// Who may read /metrics and the details of /readyz (revision errors, trunk states, call-data
// files tell an outsider a lot): the ops token (OPS_TOKEN, as a bearer token) or an address in
// OPS_ALLOW (IPs and CIDRs). The answer for everyone else is a 401/403 on /metrics and the bare
// ready/not ready on /readyz, which is all a load balancer needs.
export function opsAccess(ops: Config['ops']): (req: Request) => 'allowed' | 'bad_token' | 'denied' {
  const allow = new BlockList();
  for (const entry of ops.allow) {
    const [address = '', bits] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (isIP(address) === 0) throw new Error(`OPS_ALLOW: ${entry} is not an IP address or CIDR`);
    if (bits === undefined) allow.addAddress(address, family);
    else allow.addSubnet(address, Number(bits), family);
  }
  return (req) => {
    const header = req.get('authorization');
    const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : null;
    if (bearer !== null && ops.token !== null && safeEqual(bearer, ops.token)) return 'allowed';
    const ip = (req.ip ?? '').replace(/^::ffff:(?=\d+\.)/, '');
    const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    if (isIP(ip) !== 0 && allow.check(ip, family)) return 'allowed';
    return bearer === null ? 'denied' : 'bad_token';
  };
}
export function healthRoutes(
  deps: Deps,
  // The features' reports (e.g. trunk registration): shown, never judged.
  statuses: ReadonlyArray<(deps: Deps) => Promise<Record<string, unknown>>> = [],
): Router {
  const router = Router();
  const access = opsAccess(deps.config.ops);
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (req, res) => {
    const checks: Record<string, { ok: boolean; detail?: string }> = {};
    try {
      await deps.db.raw('SELECT 1');
      checks['database'] = { ok: true };
    } catch (err) {
      deps.log.warn({ err }, 'readiness: database unreachable');
      checks['database'] = { ok: false, detail: 'database unreachable' };
    }
    checks['ari'] = deps.ari.connected ? { ok: true } : { ok: false, detail: 'ARI event connection is down' };
    try {
      const last = await latestRevision(deps.db);
      checks['apply'] =
        last?.status === 'failed'
          ? { ok: false, detail: `revision ${last.id} failed: ${last.error ?? 'unknown error'}` }
          : { ok: true, detail: last ? `revision ${last.id} ${last.status}` : 'no apply yet' };
    } catch {
      checks['apply'] = { ok: false, detail: 'apply history unavailable' };
    }
    const ready = Object.values(checks).every((c) => c.ok);
    if (access(req) !== 'allowed') {
      res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready' });
      return;
    }
    // Each feature's state is reported, not judged: a carrier outage must not take Switchboard
    // out of a load balancer, which would only add a second outage.
    const details: Record<string, unknown> = {};
    for (const status of statuses) Object.assign(details, await status(deps).catch(() => ({})));
    // Call data is reported, not judged either: a backlog delays reports but no call.
    const calldata = await ingestStatus(deps.db, deps.config.asteriskLogDir)
      .then((rows) =>
        rows.map((r) => ({
          source: r.name,
          lag_bytes: r.lagBytes,
          records: r.records,
          bad_lines: r.badLines,
          updated_at: r.updatedAt.toISOString(),
        })),
      )
      .catch(() => []);
    res
      .status(ready ? 200 : 503)
      .json({ status: ready ? 'ready' : 'not_ready', checks, details: { trunks: [], ...details, calldata } });
  });
  router.get('/metrics', async (req, res, next) => {
    const verdict = access(req);
    if (verdict === 'bad_token')
      return next(new AppError(401, 'unauthenticated', 'the ops token is not valid'));
    if (verdict === 'denied') {
      return next(
        new AppError(
          403,
          'forbidden',
          'metrics need the ops token, or a request from an address in OPS_ALLOW',
        ),
      );
    }
    deps.metrics.ariConnected.set(deps.ari.connected ? 1 : 0);
    for (const s of await ingestStatus(deps.db, deps.config.asteriskLogDir).catch(() => []))
      if (s.lagBytes !== null) deps.metrics.calldataLag.set({ source: s.name }, s.lagBytes);
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}
