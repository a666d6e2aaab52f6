import { useTestApp } from '../../test/support/app';
import { SLICES } from '../features';
import type { SliceKey } from '../render/state';
import type { ApplyRequest } from './apply';
import { type AnyStateSlice, DesiredStateLoader } from './load-state';
import type { ApplyScope } from './scope';

// Every save states what it touched (ApplyScope), and the loader re-reads only that and what
// reads it. Proven on a real MariaDB through the REST API: each write's own scope, taken from the
// apply request it really made, gives the same state as reading everything again, and reads
// none of the parts the write did not touch.

const app = useTestApp({ APPLY_DEBOUNCE_MS: '50' });

const reads = new Map<SliceKey, number>();
const counted: AnyStateSlice[] = SLICES.map(
  (slice) =>
    ({
      ...slice,
      load: (db, settings) => {
        reads.set(slice.key, (reads.get(slice.key) ?? 0) + 1);
        return (slice.load as AnyStateSlice['load'])(db, settings);
      },
    }) as AnyStateSlice,
);

let scopes: Array<ApplyScope | null> = [];
let loader: DesiredStateLoader;
const settings = () => ({
  extensionRange: app.sb.deps.config.extensionRange,
  ringSeconds: app.sb.deps.config.ringSeconds,
  ariApp: app.sb.deps.config.ari.app,
});

beforeAll(async () => {
  const queue = app.sb.deps.applyQueue;
  const request = queue.request.bind(queue);
  // Observes the scope each write asks for; the request itself goes on to the real apply.
  queue.request = (r: ApplyRequest) => {
    scopes.push(r.scope ?? null);
    return request(r);
  };
  for (const number of ['1001', '1002', '1003']) {
    const res = await app.api('POST', '/api/v1/extensions', {
      body: { number, display_name: `Ext ${number}` },
    });
    expect(res.status).toBe(201);
  }
  await app.applyNow();
  loader = new DesiredStateLoader(app.sb.deps.db, settings(), counted);
  await loader.load(null);
}, 120_000);

// Runs one write, then loads with the scope it asked for: returns which parts were read again.
async function afterWrite(write: () => Promise<{ status: number }>, expected: number): Promise<SliceKey[]> {
  scopes = [];
  expect((await write()).status).toBe(expected);
  await app.sb.deps.applyQueue.settled();
  expect(scopes.length).toBeGreaterThan(0);
  // A write that cannot say what it touched would make every apply read everything.
  for (const scope of scopes) expect(scope).not.toBeNull();
  reads.clear();
  for (const scope of scopes) {
    const scoped = await loader.load(scope);
    const fresh = await new DesiredStateLoader(app.sb.deps.db, settings(), SLICES).load(null);
    expect(scoped).toEqual(fresh);
  }
  return [...reads.keys()].sort();
}

describe('scoped state loads', () => {
  it('a greeting save re-reads the greetings and what plays them; an IVR save the IVRs alone', async () => {
    let greeting = 0;
    const afterGreeting = await afterWrite(async () => {
      const res = await app.api('POST', '/api/v1/greetings', {
        body: { name: 'Prompt', default_language: 'en', tts_text: 'Press 1 for sales.' },
      });
      greeting = res.body.id as number;
      return res;
    }, 201);
    expect(afterGreeting).not.toContain('ivrs');
    expect(afterGreeting).toContain('greetings');
    const read = await afterWrite(
      () =>
        app.api('POST', '/api/v1/ivrs', {
          body: {
            name: 'Main',
            prompt_greeting_id: greeting,
            options: [{ digit: '1', destination: { type: 'extension', target: '1001' } }],
            invalid_destination: { type: 'hangup', target: '' },
          },
        }),
      201,
    );
    expect(read).toEqual(['ivrs']);
  });

  // A queue's recording policy goes with the queue; outbound routes name their trunks.
  it.each([
    [
      '/api/v1/ring-groups',
      { number: '600', name: 'Sales', members: [{ kind: 'extension', target: '1001' }] },
      ['ringGroups'],
    ],
    [
      '/api/v1/queues',
      {
        number: '700',
        name: 'Support',
        strategy: 'ringall',
        members: [{ extension: '1002', penalty: 0 }],
        failover_destination: { type: 'extension', target: '1001' },
      },
      ['queues', 'recordingPolicies'],
    ],
    [
      '/api/v1/trunks',
      { name: 'carrier', kind: 'ip', host: '127.0.0.2', peer_addresses: ['127.0.0.2'] },
      // The toll guard's per-trunk limits are rendered per trunk; a ban on a trunk's address is
      // lifted (carriers are never banned).
      ['outboundRoutes', 'sipBans', 'tollGuard', 'trunks'],
    ],
  ])('POST %s re-reads only what the save touched and what reads it', async (path, body, expected) => {
    expect(await afterWrite(() => app.api('POST', path, { body }), 201)).toEqual(expected);
  });

  it('renaming an extension re-reads that one row and the parts that show its name', async () => {
    const read = await afterWrite(
      () => app.api('PATCH', '/api/v1/extensions/1002', { body: { display_name: 'Renamed' } }),
      200,
    );
    // Extensions themselves are re-read row by row (loadSome), not through load().
    expect(read).not.toContain('extensions');
    expect(read).toEqual(expect.arrayContaining(['queues', 'voicemailBoxes']));
    expect(read).not.toContain('ivrs');
    expect(read).not.toContain('trunks');
  });

  it('deleting an extension drops it and re-reads what pointed at it', async () => {
    const read = await afterWrite(() => app.api('DELETE', '/api/v1/extensions/1003'), 204);
    expect(read).not.toContain('ivrs');
  });
});
