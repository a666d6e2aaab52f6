import { startTestApp, type TestApp, useTestApp } from '../../test/support/app';
import { waitFor } from '../../test/support/asterisk';

const app = useTestApp();

describe('health and metrics', () => {
  it('/healthz answers while the process is alive, without authentication', async () => {
    expect(await app.api('GET', '/healthz', { token: null })).toMatchObject({
      status: 200,
      body: { status: 'ok' },
    });
  });

  it('/readyz reports the database, the ARI connection and the last apply, without secrets', async () => {
    await app.applyNow();
    // The ARI event websocket connects in the background after start-up.
    await waitFor('the ARI event connection', async () => app.sb.deps.ari.connected);
    const res = await app.api('GET', '/readyz', { token: null });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ready',
      checks: { database: { ok: true }, ari: { ok: true }, apply: { ok: true } },
    });
    expect(res.text).not.toContain(process.env['ARI_PASSWORD']);
    expect(res.body.details.trunks).toEqual([]);
    // How far each call-data file has been read: reported, never part of readiness.
    expect(res.body.details.calldata.map((c: { source: string }) => c.source)).toEqual([
      'cdr',
      'cel',
      'queue_log',
    ]);
    for (const c of res.body.details.calldata) {
      expect(c.bad_lines).toBe(0);
      // null while Asterisk has not created the file yet (no call since a clean start)
      expect(c.lag_bytes === null || typeof c.lag_bytes === 'number').toBe(true);
    }
  });

  it('/readyz lists each trunk with its live state, without making readiness depend on carriers', async () => {
    const trunk = await app.api('POST', '/api/v1/trunks', {
      body: { name: 'down-carrier', kind: 'ip', host: '127.0.0.9', peer_addresses: ['127.0.0.9'] },
    });
    expect(trunk.status).toBe(201);
    await app.applyNow();
    const res = await app.api('GET', '/readyz', { token: null });
    expect(res.status).toBe(200);
    expect(res.body.details.trunks).toEqual([
      {
        name: 'down-carrier',
        registration: 'not_applicable',
        reachability: expect.stringMatching(/^(reachable|unreachable|unknown)$/),
      },
    ]);
  });

  it('/metrics exposes apply counts and durations, ARI state and HTTP latency for Prometheus', async () => {
    const res = await app.api('GET', '/metrics', { token: null });
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/switchboard_applies_total\{status="(succeeded|unchanged)"\} [1-9]/);
    expect(res.text).toContain('switchboard_apply_duration_seconds_bucket');
    expect(res.text).toContain('switchboard_ari_connected 1');
    expect(res.text).toMatch(
      /switchboard_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/apply\/",status="200"\} [1-9]/,
    );
  });

  it('never answers with a stack trace, even for an unknown API route', async () => {
    const res = await app.api('GET', '/api/v1/nope');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'not_found', message: 'API route not found', details: [] } });
  });
});

describe('health and metrics away from the allowlist', () => {
  // No address is allowed: as if the request came from outside. Only the ops token opens them.
  const OPS_TOKEN = 'ops-token-for-the-test-0123456789';
  let outside: TestApp;
  beforeAll(async () => {
    outside = await startTestApp({ OPS_ALLOW: '', OPS_TOKEN });
  });
  afterAll(async () => {
    await outside?.close();
  });

  it('/metrics: 403 without a token, 401 with a wrong one (an API token included), 200 with the ops token', async () => {
    const none = await outside.api('GET', '/metrics', { token: null });
    expect(none.status).toBe(403);
    expect(none.text).not.toContain('switchboard_');
    expect((await outside.api('GET', '/metrics', { token: 'not-the-ops-token' })).status).toBe(401);
    expect((await outside.api('GET', '/metrics', { token: outside.tokens.admin })).status).toBe(401);
    const ok = await outside.api('GET', '/metrics', { token: OPS_TOKEN });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('switchboard_ari_connected');
  });

  it('/readyz: ready or not for anyone, the details only with the ops token', async () => {
    await waitFor('the ARI event connection', async () => outside.sb.deps.ari.connected);
    await outside.applyNow();
    const bare = await outside.api('GET', '/readyz', { token: null });
    expect(bare.status).toBe(200);
    expect(bare.body).toEqual({ status: 'ready' });
    const full = await outside.api('GET', '/readyz', { token: OPS_TOKEN });
    expect(full.status).toBe(200);
    expect(full.body).toMatchObject({ status: 'ready', checks: { database: { ok: true } } });
    expect(full.body.details.calldata).toHaveLength(3);
  });
});
