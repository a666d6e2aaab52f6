import { useTestApp } from '../../test/support/app';
import { HOSTILE } from '../../test/support/hostile';

// The call-flow API on a real MariaDB: objects are built through the other features' real APIs
// (greetings by TTS, IVR, time condition, announcement, inbound route, emergency mode), then the
// trace and the graphs are read back. Nothing here is dialled; the e2e call tests compare a
// trace's outcome with where a real call lands.

const app = useTestApp({ APPLY_DEBOUNCE_MS: '300' });

jest.setTimeout(120_000);

const ext = (n: string) => ({ type: 'extension', target: n });
const hangup = { type: 'hangup', target: '' };
// Tuesday 2026-11-24 10:00 and 20:00 in Brussels; Christmas 2026 is a Friday.
const OPEN = '2026-11-24T10:00:00+01:00';
const EVENING = '2026-11-24T20:00:00+01:00';
const CHRISTMAS = '2026-12-25T11:00:00+01:00';

let welcome: number;
let closedGreeting: number;
let menu: number;
let office: number;
let closed: number;
let route: number;

async function created(path: string, body: unknown): Promise<number> {
  const res = await app.api('POST', path, { body });
  if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${res.text}`);
  return res.body.id as number;
}

const trace = (body: Record<string, unknown>) => app.api('POST', '/api/v1/call-flow/trace', { body });

beforeAll(async () => {
  for (const number of ['2101', '2102']) {
    const res = await app.api('POST', '/api/v1/extensions', {
      body: { number, display_name: `Desk ${number}` },
    });
    expect(res.status).toBe(201);
  }
  welcome = await created('/api/v1/greetings', {
    name: 'Welcome',
    default_language: 'en',
    tts_text: 'Welcome. Press 1 or 2.',
  });
  closedGreeting = await created('/api/v1/greetings', {
    name: 'Closed',
    default_language: 'en',
    tts_text: 'We are closed.',
  });
  menu = await created('/api/v1/ivrs', {
    name: 'Main menu',
    prompt_greeting_id: welcome,
    options: [
      { digit: '1', destination: ext('2101') },
      { digit: '2', destination: ext('2102') },
    ],
    max_retries: 1,
    invalid_destination: hangup,
  });
  closed = await created('/api/v1/announcements', {
    name: 'Closed notice',
    greeting_id: closedGreeting,
    destination: hangup,
  });
  office = await created('/api/v1/time-conditions', {
    name: 'Office hours',
    timezone: 'Europe/Brussels',
    weekly: ['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => ({ day, start: '09:00', end: '17:00' })),
    holidays: [{ name: 'Christmas', start: '2026-12-25', yearly: true }],
    open_destination: { type: 'ivr', target: String(menu) },
    closed_destination: { type: 'announcement', target: String(closed) },
  });
  route = await created('/api/v1/inbound-routes', {
    name: 'Main',
    did: '_3225550XXX',
    destination: { type: 'time-condition', target: String(office) },
  });
});

describe('POST /api/v1/call-flow/trace', () => {
  it('in office hours the caller reaches the menu, presses 2 and extension 2102 rings', async () => {
    const res = await trace({ did: '3225550100', caller_id: '022222222', at: OPEN, digits: '2' });
    expect(res.status).toBe(200);
    const kinds = res.body.steps.map((s: { kind: string }) => s.kind);
    expect(kinds).toEqual(['arrive', 'route', 'time-condition', 'ivr', 'key', 'rings']);
    expect(res.body.steps[1]).toMatchObject({ ref: { type: 'inbound-route', id: String(route) } });
    expect(res.body.steps[1].text).toBe("inbound route 'Main' matched _3225550XXX");
    expect(res.body.steps[2].text).toContain("time condition 'Office hours' open");
    expect(res.body.steps[3]).toMatchObject({
      text: "IVR 'Main menu': prompt greeting 'Welcome' plays; waiting 5 s for a key",
      sound: `switchboard/greeting-${welcome}`,
    });
    expect(res.body.outcome).toEqual(res.body.steps[5]);
    expect(res.body.outcome).toMatchObject({
      kind: 'rings',
      ref: { type: 'extension', id: '2102' },
      end: true,
    });
  });

  it('without digits it stops at the menu and lists both options', async () => {
    const res = await trace({ did: '3225550100', caller_id: null, at: OPEN });
    expect(res.status).toBe(200);
    expect(res.body.outcome.kind).toBe('choices');
    expect(res.body.outcome.choices.slice(0, 2)).toEqual([
      { key: '1', label: 'extension 2101 (Desk 2101)' },
      { key: '2', label: 'extension 2102 (Desk 2102)' },
    ]);
  });

  it('in the evening and on Christmas the closed announcement plays, then the call ends', async () => {
    for (const [at, why] of [
      [EVENING, 'outside the weekly schedule'],
      [CHRISTMAS, 'holiday "Christmas"'],
    ] as const) {
      const res = await trace({ did: '3225550100', caller_id: '022222222', at, digits: '2' });
      expect(res.status).toBe(200);
      expect(res.body.steps[2].text).toContain(why);
      expect(res.body.steps.slice(-2)).toMatchObject([
        { kind: 'playback', sound: `switchboard/greeting-${closedGreeting}` },
        { kind: 'hangup', end: true },
      ]);
    }
  });

  it('the override set through the time-condition API is what the next trace follows', async () => {
    const tc = (await app.api('GET', `/api/v1/time-conditions/${office}`)).body;
    const put = await app.api('PUT', `/api/v1/time-conditions/${office}`, {
      body: {
        name: tc.name,
        timezone: tc.timezone,
        weekly: tc.weekly,
        holidays: tc.holidays,
        open_destination: tc.open_destination,
        closed_destination: tc.closed_destination,
        override: 'open',
      },
    });
    expect(put.status).toBe(200);
    const res = await trace({ did: '3225550100', caller_id: '022222222', at: CHRISTMAS, digits: '1' });
    expect(res.body.steps[2].text).toContain('forced open by the manual override');
    expect(res.body.outcome).toMatchObject({ kind: 'rings', ref: { id: '2101' } });
    await app.api('PUT', `/api/v1/time-conditions/${office}`, {
      body: { ...put.body, override: 'auto', pin: undefined },
    });
  });

  it('timeouts retry once and then hang up', async () => {
    const res = await trace({ did: '3225550100', caller_id: '022222222', at: OPEN, digits: '' });
    const kinds = res.body.steps.map((s: { kind: string }) => s.kind);
    expect(kinds.slice(3)).toEqual(['ivr', 'timeout', 'retry', 'timeout', 'retries-exhausted', 'hangup']);
  });

  it('a blocked caller and an unrouted number end early', async () => {
    expect(
      (await app.api('POST', '/api/v1/blocked-callers', { body: { pattern: '_0900.', action: 'busy' } }))
        .status,
    ).toBe(201);
    const blocked = await trace({ did: '3225550100', caller_id: '0900123456', at: OPEN });
    expect(blocked.body.outcome).toMatchObject({ kind: 'blocked' });
    const unrouted = await trace({ did: '3299999999', caller_id: '022222222', at: OPEN });
    expect(unrouted.body.outcome).toMatchObject({ kind: 'no-route', sound: 'ss-noservice' });
  });

  it('emergency mode sends the route to the emergency greeting and destination, and off restores it', async () => {
    const on = await app.api('PUT', '/api/v1/emergency', {
      body: { active: true, all_routes: true, greeting_id: closedGreeting, destination: ext('2101') },
    });
    expect(on.status).toBe(200);
    const during = await trace({ did: '3225550100', caller_id: '022222222', at: OPEN, digits: '2' });
    expect(during.body.steps.map((s: { kind: string }) => s.kind)).toEqual([
      'arrive',
      'blocklist',
      'route',
      'emergency',
      'playback',
      'rings',
    ]);
    expect(during.body.outcome.ref.id).toBe('2101');
    const graph = await app.api('GET', `/api/v1/call-flow/inbound-routes/${route}`);
    expect(graph.body.nodes.some((n: { kind: string }) => n.kind === 'emergency')).toBe(true);

    expect((await app.api('PUT', '/api/v1/emergency', { body: { active: false } })).status).toBe(200);
    const after = await trace({ did: '3225550100', caller_id: '022222222', at: OPEN, digits: '2' });
    expect(after.body.outcome.ref.id).toBe('2102');
  });

  it('a supervisor may trace; a user may not', async () => {
    const body = { did: '3225550100', caller_id: null, at: OPEN };
    expect(
      (await app.api('POST', '/api/v1/call-flow/trace', { body, token: app.tokens.supervisor })).status,
    ).toBe(200);
    expect((await app.api('POST', '/api/v1/call-flow/trace', { body, token: app.tokens.user })).status).toBe(
      403,
    );
  });

  it.each(['did', 'caller_id', 'at', 'digits'])(
    'refuses hostile strings in %s with 400 naming the field',
    async (field) => {
      for (const bad of HOSTILE) {
        const res = await trace({
          did: '3225550100',
          caller_id: '022222222',
          at: OPEN,
          digits: '1',
          [field]: bad,
        });
        expect(res.status).toBe(400);
        expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
      }
    },
  );

  it('refuses a date without a timezone, unknown fields and a missing DID', async () => {
    expect((await trace({ did: '3225550100', caller_id: null, at: '2026-11-24T10:00' })).status).toBe(400);
    expect((await trace({ did: '3225550100', caller_id: null, at: OPEN, trunk: 'x' })).status).toBe(400);
    const res = await trace({ caller_id: null, at: OPEN });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('did');
  });
});

describe('GET /api/v1/call-flow/… graphs', () => {
  it("an inbound route's graph: route → time condition → open: menu → options; closed: announcement", async () => {
    const res = await app.api('GET', `/api/v1/call-flow/inbound-routes/${route}`);
    expect(res.status).toBe(200);
    const { root, nodes, edges } = res.body as {
      root: string;
      nodes: Array<{ id: string; kind: string; title: string }>;
      edges: Array<{ from: string; to: string; label: string }>;
    };
    expect(root).toBe(`inbound-route:${route}`);
    const tc = `time-condition:${office}`;
    const ivr = `ivr:${menu}`;
    expect(edges).toEqual(
      expect.arrayContaining([
        { from: root, to: tc, label: 'goes to' },
        { from: tc, to: ivr, label: 'open' },
        { from: tc, to: `announcement:${closed}`, label: 'closed' },
        { from: ivr, to: 'extension:2101', label: 'press 1' },
        { from: ivr, to: 'extension:2102', label: 'press 2' },
        { from: ivr, to: 'hangup:', label: 'no key or wrong key, after retries' },
        { from: `announcement:${closed}`, to: 'hangup:', label: 'then' },
      ]),
    );
    expect(nodes.find((n) => n.id === ivr)?.title).toBe("IVR 'Main menu'");
    // Every edge joins two nodes of the graph, and each node is listed once.
    const ids = new Set(nodes.map((n) => n.id));
    expect(ids.size).toBe(nodes.length);
    for (const e of edges) expect(ids.has(e.from) && ids.has(e.to)).toBe(true);
  });

  it("an IVR's graph starts at the menu; unknown ids are 404 and bad ids 400", async () => {
    const res = await app.api('GET', `/api/v1/call-flow/ivrs/${menu}`);
    expect(res.status).toBe(200);
    expect(res.body.root).toBe(`ivr:${menu}`);
    expect(res.body.edges.filter((e: { label: string }) => e.label.startsWith('press'))).toHaveLength(2);
    expect((await app.api('GET', '/api/v1/call-flow/ivrs/99999')).status).toBe(404);
    expect((await app.api('GET', '/api/v1/call-flow/inbound-routes/99999')).status).toBe(404);
    expect((await app.api('GET', '/api/v1/call-flow/ivrs/abc')).status).toBe(400);
  });

  it('is listed in the OpenAPI document', async () => {
    const doc = (await app.api('GET', '/api/v1/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/call-flow/trace',
        '/api/v1/call-flow/inbound-routes/{id}',
        '/api/v1/call-flow/ivrs/{id}',
      ]),
    );
  });
});
