import type { AddressInfo } from 'node:net';
import express from 'express';
import { killAllCarrierSipp } from '../../test/carrier/sipp';
import { createExtensions } from '../../test/support/agents';
import { startTestApp, type TestApp } from '../../test/support/app';
import { hangUpChannels, mainAri, sandbox, waitFor } from '../../test/support/asterisk';
import { remoteAsteriskEnv, requireAsterisk } from '../../test/support/env';
import { HOSTILE } from '../../test/support/hostile';
import { killAllSipp } from '../../test/support/sip';
import { callFromTrunk, createCallerTrunk } from '../../test/support/trunk-caller';
import { DEFAULT_HUB_OPTIONS, WallboardHub } from './hub';
import { SnapshotBuilder } from './snapshot';
import type { WallboardSnapshot } from './types';

// The wallboard against a real Switchboard, MariaDB and Asterisk: a caller from a trunk waits in
// a real queue, and the snapshot, the event stream and the kiosk token rules are checked over HTTP.

jest.setTimeout(120_000);

let app: TestApp;

const QUEUE = '731';
const DID = '555000731';
const CALLER = '3225557301';

// Reads a text/event-stream response: each `snapshot` event, parsed, in order.
class SseReader {
  private buffer = '';
  readonly snapshots: WallboardSnapshot[] = [];
  readonly comments: string[] = [];
  ended = false;
  private readonly done: Promise<void>;

  constructor(
    readonly res: Response,
    private readonly abort: AbortController,
  ) {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    this.done = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          this.buffer += decoder.decode(value, { stream: true });
          this.parse();
        }
      } catch {
        // aborted by the test
      }
      this.ended = true;
    })();
  }

  private parse(): void {
    let cut = this.buffer.indexOf('\n\n');
    while (cut >= 0) {
      const block = this.buffer.slice(0, cut);
      this.buffer = this.buffer.slice(cut + 2);
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
      const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
      if (event === 'snapshot' && data) this.snapshots.push(JSON.parse(data) as WallboardSnapshot);
      for (const l of lines) if (l.startsWith(':')) this.comments.push(l);
      cut = this.buffer.indexOf('\n\n');
    }
  }

  async until(what: string, probe: (s: WallboardSnapshot) => boolean, timeoutMs = 20_000) {
    return waitFor(what, async () => this.snapshots.find(probe), timeoutMs);
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}

async function openStream(query: string, token: string | null): Promise<SseReader | Response> {
  const abort = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (token) headers['authorization'] = `Bearer ${token}`;
  const res = await fetch(`${app.url}/api/v1/wallboard/events${query}`, { headers, signal: abort.signal });
  // A refusal is a plain JSON answer, read by the caller.
  if (res.status !== 200) return res;
  return new SseReader(res, abort);
}

async function stream(query: string, token: string | null): Promise<SseReader> {
  const s = await openStream(query, token);
  if (!(s instanceof SseReader)) throw new Error(`stream refused: ${s.status}`);
  return s;
}

async function createKiosk(name = 'Floor screen'): Promise<{ id: number; token: string; url: string }> {
  const res = await app.api('POST', '/api/v1/wallboard/kiosk-tokens', { body: { name } });
  if (res.status !== 201) throw new Error(`kiosk token: ${res.status} ${res.text}`);
  return res.body;
}

const noRedirect = (path: string, headers: Record<string, string> = {}) =>
  fetch(app.url + path, { redirect: 'manual', headers });

let trunkId: number | null = null;
let routeId: number | null = null;

beforeAll(async () => {
  requireAsterisk();
  // As if on another host than Asterisk (AMI over TLS and ARI only, no CLI): this area's real
  // calls prove the network control; its src/ suite keeps proving the local CLI.
  app = await startTestApp({ APPLY_DEBOUNCE_MS: '50', ...remoteAsteriskEnv() });
  await createExtensions(app, ['2301', '2302']);
  trunkId = await createCallerTrunk(app, 'wallboard-carrier');
  // 2301 is a static member whose phone is off, 2302 an agent not logged in: callers wait.
  const q = await app.api('POST', '/api/v1/queues', {
    body: {
      number: QUEUE,
      name: 'Wallboard line',
      strategy: 'ringall',
      members: [{ extension: '2301' }, { extension: '2302', dynamic: true }],
      failover_destination: { type: 'hangup' },
    },
  });
  if (q.status !== 201) throw new Error(`queue: ${q.status} ${q.text}`);
  const route = await app.api('POST', '/api/v1/inbound-routes', {
    body: { name: 'Wallboard', did: DID, destination: { type: 'queue', target: QUEUE } },
  });
  if (route.status !== 201) throw new Error(`route: ${route.status} ${route.text}`);
  routeId = route.body.id as number;
  await app.applied();
});

afterAll(async () => {
  killAllCarrierSipp();
  killAllSipp();
  await hangUpChannels().catch(() => undefined);
  if (!app) return;
  try {
    if (routeId !== null) await app.api('DELETE', `/api/v1/inbound-routes/${routeId}`);
    await app.api('DELETE', `/api/v1/queues/${QUEUE}`);
    for (const ext of ['2301', '2302']) await app.api('DELETE', `/api/v1/extensions/${ext}`);
    if (trunkId !== null) await app.api('DELETE', `/api/v1/trunks/${trunkId}`);
    await app.applyNow();
  } finally {
    await app.close();
  }
});

describe('wallboard live state from Asterisk', () => {
  it('shows a caller waiting in a queue (count, longest wait, agents, call in progress) on the snapshot and the stream, and both return to zero when the caller hangs up', async () => {
    const idle = await app.api<WallboardSnapshot>('GET', '/api/v1/wallboard', {
      token: app.tokens.supervisor,
    });
    expect(idle.status).toBe(200);
    expect(idle.body.asterisk).toBe('ok');
    const tile = idle.body.queues.find((q) => q.number === QUEUE)!;
    expect(tile).toMatchObject({
      name: 'Wallboard line',
      waiting: 0,
      longest_waiting_since: null,
      agents: { available: 0, busy: 0, paused: 0, logged_out: 1, unavailable: 1 },
    });
    expect(idle.body.calls.filter((c) => c.caller === CALLER)).toEqual([]);

    const sse = await stream('', app.tokens.supervisor);
    expect(sse.res.headers.get('content-type')).toContain('text/event-stream');
    await sse.until('the first snapshot', () => true, 10_000);

    const call = callFromTrunk({ did: DID, callerId: CALLER, hangup: 'caller', holdMs: 8_000 });
    const waiting = await sse.until('the caller waiting on the stream', (s) =>
      s.queues.some((q) => q.number === QUEUE && q.waiting === 1),
    );
    const pushed = waiting.calls.find((c) => c.caller === CALLER);
    expect(pushed).toMatchObject({ queue: QUEUE, state: 'waiting' });

    // The snapshot agrees with Asterisk's own view of the channel.
    const snap = await app.api<WallboardSnapshot>('GET', '/api/v1/wallboard', { token: app.tokens.admin });
    const q = snap.body.queues.find((x) => x.number === QUEUE)!;
    expect(q.waiting).toBe(1);
    expect(q.longest_waiting_since).not.toBeNull();
    expect(q.longest_wait_seconds).toBeGreaterThanOrEqual(0);
    expect(Object.keys(q.today).sort()).toEqual(['abandoned', 'answered', 'service_level']);
    const row = snap.body.calls.find((c) => c.caller === CALLER)!;
    const channels = await mainAri<Array<{ id: string; caller: { number: string } }>>('GET', '/channels');
    expect(channels.find((c) => c.caller.number === CALLER)?.id).toBe(row.id);
    expect(Date.parse(row.started_at)).toBeLessThanOrEqual(Date.parse(snap.body.generated_at));

    // The app listens to every channel's events while someone watches.
    const ariApp = await mainAri<{ channel_ids: string[] }>(
      'GET',
      `/applications/${encodeURIComponent(app.sb.deps.config.ari.app)}`,
    );
    expect(ariApp.channel_ids).toContain('__AST_CHANNEL_ALL_TOPIC');

    expect((await call).ok).toBe(true);
    const after = await sse.until(
      'the queue empty again on the stream',
      (s) =>
        s.queues.some((x) => x.number === QUEUE && x.waiting === 0) &&
        !s.calls.some((c) => c.caller === CALLER) &&
        Date.parse(s.generated_at) > Date.parse(waiting.generated_at),
    );
    expect(after.queues.find((x) => x.number === QUEUE)?.longest_waiting_since).toBeNull();
    await sse.close();
  });

  it("counts the abandoned caller in today's figures once the call data is rolled up (report engine)", async () => {
    // The caller of the test above hung up while waiting: an abandoned call in this queue.
    const figures = await waitFor(
      "today's figures for the queue",
      async () => {
        await app.sb.analytics.runOnce();
        const snap = await app.api<WallboardSnapshot>('GET', '/api/v1/wallboard');
        const today = snap.body.queues.find((q) => q.number === QUEUE)?.today;
        return today && today.abandoned !== null && today.abandoned >= 1 ? today : null;
      },
      60_000,
    );
    expect(figures.abandoned).toBe(1);
    expect(figures.answered).toBe(0);
    expect(figures.service_level).toBe(0);
  });
});

describe('wallboard access and kiosk tokens', () => {
  it('lets admins and supervisors read the snapshot and refuses users (403) and anonymous callers (401)', async () => {
    expect((await app.api('GET', '/api/v1/wallboard', { token: app.tokens.supervisor })).status).toBe(200);
    expect((await app.api('GET', '/api/v1/wallboard', { token: app.tokens.user })).status).toBe(403);
    expect((await app.api('GET', '/api/v1/wallboard', { token: null })).status).toBe(401);
    const refused = await openStream('', app.tokens.user);
    expect(refused).not.toBeInstanceOf(SseReader);
    expect((refused as Response).status).toBe(403);
    const doc = await app.api('GET', '/api/v1/openapi.json', { token: null });
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/wallboard',
        '/api/v1/wallboard/events',
        '/api/v1/wallboard/kiosk-tokens',
        '/api/v1/wallboard/kiosk-tokens/{id}',
      ]),
    );
  });

  it('creates a kiosk token that is shown once, opens the wallboard page, snapshot and stream without a session, and is listed without its secret', async () => {
    const created = await createKiosk('Support floor');
    expect(created.token).toMatch(/^sbk_[A-Za-z0-9_-]{43}$/);
    expect(created.url).toBe(`/wallboard?kiosk=${created.token}`);

    const list = await app.api('GET', '/api/v1/wallboard/kiosk-tokens');
    const listed = list.body.items.find((t: { id: number }) => t.id === created.id);
    expect(listed).toMatchObject({ name: 'Support floor', created_by: 'admin (token)', revoked_at: null });
    expect(JSON.stringify(list.body)).not.toContain(created.token);
    const stored = await app.sb.deps.db('wallboard_tokens').where({ id: created.id }).first();
    expect(stored.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.token_hash).not.toContain(created.token);

    const page = await noRedirect(created.url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('data-wallboard');
    expect(html).toContain('/static/wallboard.js');
    expect(html).not.toContain('href="/extensions"'); // no navigation for a kiosk

    const snap = await app.api('GET', `/api/v1/wallboard?kiosk=${created.token}`, { token: null });
    expect(snap.status).toBe(200);
    expect(snap.body.queues.some((q: { number: string }) => q.number === QUEUE)).toBe(true);

    const sse = await stream(`?kiosk=${created.token}`, null);
    await sse.until('a snapshot for the kiosk', () => true, 10_000);
    await sse.close();
    const used = await app.sb.deps.db('wallboard_tokens').where({ id: created.id }).first();
    expect(used.last_used_at).not.toBeNull();
  });

  it('refuses a kiosk token everywhere but the wallboard: other APIs 401, the kiosk admin API 401, other pages send to sign-in', async () => {
    const { token } = await createKiosk('Lobby');
    for (const path of [
      '/api/v1/queues',
      '/api/v1/extensions',
      '/api/v1/calls',
      '/api/v1/wallboard/kiosk-tokens',
    ]) {
      expect((await app.api('GET', `${path}?kiosk=${token}`, { token: null })).status).toBe(401);
      // As a bearer token it is not an API token at all.
      expect((await app.api('GET', path, { token })).status).toBe(401);
    }
    expect((await app.api('GET', '/api/v1/wallboard', { token })).status).toBe(401);
    const post = await app.api('POST', `/api/v1/wallboard/kiosk-tokens?kiosk=${token}`, {
      token: null,
      body: { name: 'sneaky' },
    });
    expect(post.status).toBe(401);
    expect(await app.sb.deps.db('wallboard_tokens').where({ name: 'sneaky' }).first()).toBeUndefined();
    for (const path of ['/extensions', '/queues', '/users', '/wallboard/kiosk']) {
      const res = await noRedirect(`${path}?kiosk=${token}`);
      expect({ path, status: res.status }).toEqual({ path, status: 303 });
      expect(res.headers.get('location')).toMatch(/^\/login\?next=/);
    }
  });

  it('a kiosk token expires (a year by default, or valid_days); an expired one is refused with 401', async () => {
    const yearly = await createKiosk('Yearly screen');
    const listed = (await app.api('GET', '/api/v1/wallboard/kiosk-tokens')).body.items.find(
      (t: { id: number }) => t.id === yearly.id,
    );
    const days = (new Date(listed.expires_at).getTime() - new Date(listed.created_at).getTime()) / 86_400_000;
    expect(days).toBeCloseTo(365, 3);
    for (const valid_days of [0, -1, 5000, 1.5, '30']) {
      const bad = await app.api('POST', '/api/v1/wallboard/kiosk-tokens', {
        body: { name: 'Bad', valid_days },
      });
      expect({ valid_days, status: bad.status }).toEqual({ valid_days, status: 400 });
    }
    const short = await app.api('POST', '/api/v1/wallboard/kiosk-tokens', {
      body: { name: 'Short screen', valid_days: 1 },
    });
    expect(short.status).toBe(201);
    expect(
      (await app.api('GET', `/api/v1/wallboard?kiosk=${short.body.token}`, { token: null })).status,
    ).toBe(200);
    // A day later (moved in the database rather than waited for): refused everywhere.
    await app.sb.deps
      .db('wallboard_tokens')
      .where({ id: short.body.id })
      .update({ expires_at: app.sb.deps.db.raw('NOW(3) - INTERVAL 1 SECOND') });
    const expired = await app.api('GET', `/api/v1/wallboard?kiosk=${short.body.token}`, { token: null });
    expect(expired.status).toBe(401);
    expect(expired.body.error.message).toContain('expired');
    expect(((await openStream(`?kiosk=${short.body.token}`, null)) as Response).status).toBe(401);
    expect((await noRedirect(`/wallboard?kiosk=${short.body.token}`)).status).toBe(401);
  });

  it('one kiosk token holds at most 3 streams: the 4th is refused with 429, another token still gets one', async () => {
    const { token } = await createKiosk('Greedy screen');
    const open: SseReader[] = [];
    try {
      for (let i = 0; i < 3; i++) open.push(await stream(`?kiosk=${token}`, null));
      const fourth = await openStream(`?kiosk=${token}`, null);
      expect((fourth as Response).status).toBe(429);
      expect((await (fourth as Response).json()).error.code).toBe('too_many_streams');
      const other = await createKiosk('Polite screen');
      const s = await stream(`?kiosk=${other.token}`, null);
      open.push(s);
      // A closed stream frees its place (once the server has seen the connection close).
      await open[0]!.close();
      const again = await waitFor('a stream again for the first token', async () => {
        const r = await openStream(`?kiosk=${token}`, null);
        if (r instanceof SseReader) return r;
        expect(r.status).toBe(429);
        return undefined;
      });
      open.push(again);
    } finally {
      for (const s of open) await s.close();
    }
  });

  it('answers 401 for a malformed, unknown or revoked kiosk token, and revoking ends its open stream', async () => {
    for (const bad of ['garbage', 'sbk_unknown', `sbk_${'A'.repeat(43)}`, 'x'.repeat(500)]) {
      expect((await app.api('GET', `/api/v1/wallboard?kiosk=${bad}`, { token: null })).status).toBe(401);
      expect((await noRedirect(`/wallboard?kiosk=${bad}`)).status).toBe(401);
      const s = await openStream(`?kiosk=${bad}`, null);
      expect((s as Response).status).toBe(401);
    }
    // A repeated parameter is not a token either.
    expect((await app.api('GET', '/api/v1/wallboard?kiosk=a&kiosk=b', { token: null })).status).toBe(401);

    const { id, token } = await createKiosk('Old screen');
    const sse = await stream(`?kiosk=${token}`, null);
    await sse.until('a snapshot before revoking', () => true, 10_000);
    expect((await app.api('DELETE', `/api/v1/wallboard/kiosk-tokens/${id}`)).status).toBe(204);
    await waitFor('the revoked stream to end', async () => sse.ended, 5_000);
    const after = await app.api('GET', `/api/v1/wallboard?kiosk=${token}`, { token: null });
    expect(after.status).toBe(401);
    expect(after.body.error.message).toContain('revoked');
    expect((await noRedirect(`/wallboard?kiosk=${token}`)).status).toBe(401);
    expect(((await openStream(`?kiosk=${token}`, null)) as Response).status).toBe(401);
    // Revoking again changes nothing; a missing token is 404, a bad id 400; users may not revoke.
    const row = await app.sb.deps.db('wallboard_tokens').where({ id }).first();
    expect((await app.api('DELETE', `/api/v1/wallboard/kiosk-tokens/${id}`)).status).toBe(204);
    expect((await app.sb.deps.db('wallboard_tokens').where({ id }).first()).revoked_at).toEqual(
      row.revoked_at,
    );
    expect((await app.api('DELETE', '/api/v1/wallboard/kiosk-tokens/999999')).status).toBe(404);
    expect((await app.api('DELETE', '/api/v1/wallboard/kiosk-tokens/abc')).status).toBe(400);
    const other = await createKiosk('Still here');
    expect(
      (
        await app.api('DELETE', `/api/v1/wallboard/kiosk-tokens/${other.id}`, {
          token: app.tokens.supervisor,
        })
      ).status,
    ).toBe(403);
  });

  it('refuses hostile, empty or overlong kiosk names and unknown fields with 400, creating nothing', async () => {
    const before = await app.sb.deps.db('wallboard_tokens').count<{ n: number }[]>({ n: '*' });
    for (const name of [...HOSTILE, '', '   ', 'x'.repeat(81), '<script>', 'a"b', 'a/b']) {
      const res = await app.api('POST', '/api/v1/wallboard/kiosk-tokens', { body: { name } });
      expect(res.status).toBe(400);
      expect(res.body.error.details[0].path).toBe('name');
    }
    for (const body of [{}, { name: 5 }, { name: 'ok', extra: true }]) {
      expect((await app.api('POST', '/api/v1/wallboard/kiosk-tokens', { body })).status).toBe(400);
    }
    expect(
      (
        await app.api('POST', '/api/v1/wallboard/kiosk-tokens', {
          body: { name: 'ok' },
          token: app.tokens.supervisor,
        })
      ).status,
    ).toBe(403);
    const after = await app.sb.deps.db('wallboard_tokens').count<{ n: number }[]>({ n: '*' });
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it('keeps at most 50 streams open (the next gets 503) and takes new ones again once some close', async () => {
    const open: SseReader[] = [];
    try {
      for (let i = 0; i < 50; i++) open.push(await stream('', app.tokens.supervisor));
      const refused = await openStream('', app.tokens.supervisor);
      expect((refused as Response).status).toBe(503);
      expect(((await (refused as Response).json()) as { error: { code: string } }).error.code).toBe(
        'too_many_streams',
      );
      await open.pop()!.close();
      await waitFor('a stream slot to free up', async () => {
        const s = await openStream('', app.tokens.supervisor);
        if (s instanceof SseReader) open.push(s);
        return s instanceof SseReader;
      });
    } finally {
      await Promise.all(open.map((s) => s.close()));
    }
  });
});

describe('wallboard stream upkeep', () => {
  it('sends heartbeat comments on a stream where nothing changes', async () => {
    const d = app.sb.deps;
    const builder = new SnapshotBuilder({
      db: d.db,
      ari: d.ari,
      control: d.control,
      log: d.log,
      timezone: 'UTC',
    });
    const hub = new WallboardHub(builder, d.ari, d.config.ari.app, d.log, {
      ...DEFAULT_HUB_OPTIONS,
      heartbeatMs: 300,
    });
    const server = express()
      .get('/', (req, res) => hub.open(req, res, null))
      .listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const abort = new AbortController();
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, {
        signal: abort.signal,
      });
      const sse = new SseReader(res, abort);
      await sse.until('the first snapshot', () => true, 10_000);
      await waitFor('two heartbeats', async () => sse.comments.length >= 2, 5_000);
      expect(sse.comments[0]).toBe(': heartbeat');
      await sse.close();
    } finally {
      await hub.stop();
      await new Promise((r) => server.close(r));
    }
  });

  it('subscribes to all channels again after Asterisk restarts, and a waiting caller shows up on the same stream', async () => {
    const sse = await stream('', app.tokens.admin);
    const appPath = `/applications/${encodeURIComponent(app.sb.deps.config.ari.app)}`;
    try {
      await sse.until('the first snapshot', () => true, 10_000);
      await sandbox('stop');
      await sse.until('Asterisk shown unreachable', (s) => s.asterisk === 'unreachable', 20_000);
      await sandbox('start');
      await waitFor(
        'the channel subscription to come back',
        async () =>
          (await mainAri<{ channel_ids: string[] }>('GET', appPath)).channel_ids.includes(
            '__AST_CHANNEL_ALL_TOPIC',
          ),
        45_000,
      );
      const seen = sse.snapshots.length;
      const call = callFromTrunk({ did: DID, callerId: CALLER, hangup: 'caller', holdMs: 5_000 });
      await waitFor(
        'the caller on the stream after the restart',
        async () =>
          sse.snapshots
            .slice(seen)
            .some(
              (s) => s.asterisk === 'ok' && s.calls.some((c) => c.caller === CALLER && c.queue === QUEUE),
            ),
        20_000,
      );
      expect((await call).ok).toBe(true);
    } finally {
      await sse.close();
    }
  });
});

describe('wallboard shutdown', () => {
  it('ends open event streams when Switchboard stops', async () => {
    const other = await startTestApp();
    let closed = false;
    try {
      const abort = new AbortController();
      const res = await fetch(`${other.url}/api/v1/wallboard/events`, {
        headers: { authorization: `Bearer ${other.tokens.admin}` },
        signal: abort.signal,
      });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      const first = await reader.read();
      expect(new TextDecoder().decode(first.value)).toContain('retry:');
      const drained = (async () => {
        for (;;) if ((await reader.read()).done) return true;
      })();
      await other.close();
      closed = true;
      await expect(drained).resolves.toBe(true);
    } finally {
      if (!closed) await other.close();
    }
  });
});
