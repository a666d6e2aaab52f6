import { Router } from 'express';
import { latestRevision } from '../apply/revisions.repo';
import { ingestStatus } from '../calldata/ingest';
import type { Deps } from '../deps';

// Unauthenticated and free of secrets: load balancers and monitoring read these.
export function healthRoutes(
  deps: Deps,
  // The features' reports (e.g. trunk registration): shown, never judged.
  statuses: ReadonlyArray<(deps: Deps) => Promise<Record<string, unknown>>> = [],
): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
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
  router.get('/metrics', async (_req, res) => {
    deps.metrics.ariConnected.set(deps.ari.connected ? 1 : 0);
    for (const s of await ingestStatus(deps.db, deps.config.asteriskLogDir).catch(() => []))
      if (s.lagBytes !== null) deps.metrics.calldataLag.set({ source: s.name }, s.lagBytes);
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}
