import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createUser } from '../../src/auth/accounts';
import { createApiToken } from '../../src/auth/tokens';
import { enforceRetentionOnce } from '../../src/recordings/retention';
import { readWavInfo } from '../../src/recordings/wav';
import { killAllCarrierSipp } from '../carrier/sipp';
import { deleteAll, extensionPaths, listedPaths, startTestApp, type TestApp } from '../support/app';
import { hangUpChannels, waitFor } from '../support/asterisk';
import { requireAsterisk, testEnv } from '../support/env';
import { HOSTILE } from '../support/hostile';
import { dialWithKeys } from '../support/phone-dtmf';
import { answerCalls, killAllSipp, phoneFor, placeCall, register, succeeded } from '../support/sip';
import { callFromTrunk, createCallerTrunk } from '../support/trunk-caller';

// Real calls between sipp phones through a real Asterisk: a recording policy decides whether
// MixMonitor records, the ingest links the file to the call, and the API serves it only to
// those who were in the call (or admins), until retention deletes it.

const NUMBERS = ['1001', '1002', '1003', '1005'];
const TALK_MS = 4_000;
let app: TestApp;
const secrets = new Map<string, string>();
let daveToken = '';
const monitorDir = () => join(testEnv.asteriskSpoolDir, 'monitor', 'switchboard');

interface RecordingApi {
  id: number;
  linkedid: string;
  file_name: string;
  duration_seconds: number;
  bytes: number;
  policy_target: string;
  policy_ref: string;
  retention_days: number | null;
  deleted_at: string | null;
}

beforeAll(async () => {
  requireAsterisk();
  app = await startTestApp();
  for (const [number, name] of [
    ['1001', 'Alice'],
    ['1002', 'Bob'],
    ['1003', 'Carol'],
    ['1005', 'Erin (queue agent)'],
  ] as const) {
    const res = await app.api('POST', '/api/v1/extensions', { body: { number, display_name: name } });
    expect(res.status).toBe(201);
    secrets.set(number, res.body.sip_secret);
  }
  // Dave is a user too, with an extension that takes no part in the calls below.
  const dave = await createUser(app.sb.deps.db, {
    username: 'dave',
    password: 'dave-password-1',
    role: 'user',
    extensionNumber: '1004',
  });
  daveToken = await createApiToken(app.sb.deps.db, dave, 'test');
  await app.applyNow();
}, 90_000);

afterEach(async () => {
  killAllSipp();
  killAllCarrierSipp();
  await hangUpChannels().catch(() => undefined);
});

afterAll(async () => {
  killAllSipp();
  if (!app) return;
  try {
    await deleteAll(
      app,
      [
        ...(await listedPaths(app, '/api/v1/recording-policies')),
        '/api/v1/queues/705',
        ...(await listedPaths(app, '/api/v1/inbound-routes')),
        ...(await listedPaths(app, '/api/v1/trunks')),
        ...extensionPaths(NUMBERS),
      ],
      { applyMustSucceed: true },
    );
  } finally {
    await app.close();
  }
}, 60_000);

async function policy(target_type: string, target_ref: string, mode: string, retention_days: number | null) {
  const res = await app.api('POST', '/api/v1/recording-policies', {
    body: { target_type, target_ref, mode, retention_days },
  });
  expect(res.status).toBe(201);
  await app.applyNow();
  return res.body as { id: number };
}

// Creates the target's policy, or changes the one it has, and applies.
async function setPolicy(
  target_type: string,
  target_ref: string,
  mode: string,
  retention_days: number | null,
) {
  const items = (await app.api('GET', '/api/v1/recording-policies')).body.items as {
    id: number;
    target_type: string;
    target_ref: string;
  }[];
  const existing = items.find((p) => p.target_type === target_type && p.target_ref === target_ref);
  if (!existing) return policy(target_type, target_ref, mode, retention_days);
  const res = await app.api('PUT', `/api/v1/recording-policies/${existing.id}`, {
    body: { mode, retention_days },
  });
  expect(res.status).toBe(200);
  await app.applyNow();
  return res.body as { id: number };
}

// 1001 calls `to`, answered by the phone of `answerer`; both send audio for TALK_MS. Returns the call's linkedid
// (from the CEL events, ingested) once Asterisk has ended it.
async function answeredCall(to: string, answerer = to): Promise<string> {
  const callee = await phoneFor(answerer, secrets.get(answerer)!);
  const caller = await phoneFor('1001', secrets.get('1001')!);
  await succeeded(register(callee));
  const answering = await answerCalls(callee, { timeoutMs: 40_000 });
  await succeeded(register(caller));
  const startedAt = new Date(Date.now() - 1000);
  await succeeded(placeCall(caller, to, { talkMs: TALK_MS }));
  await succeeded(answering);
  return endedCallFrom1001(startedAt);
}

// The linkedid of the call 1001 started after `since`, once Asterisk ended it (LINKEDID_END).
async function endedCallFrom1001(since: Date): Promise<string> {
  const db = app.sb.deps.db;
  return waitFor(
    'the call from 1001 to end and be ingested',
    async () => {
      await app.sb.analytics.ingest();
      const row = (await db('cel_events as e')
        .where('e.eventtype', 'CHAN_START')
        .where('e.channame', 'like', 'PJSIP/1001-%')
        .where('e.eventtime', '>=', since)
        .whereExists((q) =>
          q
            .select(db.raw('1'))
            .from('cel_events as x')
            .where('x.eventtype', 'LINKEDID_END')
            .whereRaw('x.linkedid = e.linkedid'),
        )
        .orderBy('e.eventtime', 'desc')
        .first('e.linkedid')) as { linkedid: string } | undefined;
      return row?.linkedid;
    },
    30_000,
  );
}

async function pageSession(username: string, password: string): Promise<string> {
  const login = await fetch(`${app.url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password }).toString(),
  });
  return login.headers.get('set-cookie')!.split(';')[0]!;
}

async function recordingOf(linkedid: string): Promise<RecordingApi> {
  return waitFor(
    `a recording row for ${linkedid}`,
    async () => {
      await app.sb.analytics.ingest();
      const res = await app.api<{ items: RecordingApi[] }>('GET', '/api/v1/recordings');
      return res.body.items.find((r) => r.linkedid === linkedid);
    },
    40_000,
  );
}

describe('call recording on a real Asterisk', () => {
  let recorded: RecordingApi;

  it('records an answered call to an extension whose policy is always: a valid WAV as long as the call, linked to its linkedid', async () => {
    await policy('extension', '1002', 'always', 1);
    const linkedid = await answeredCall('1002');
    recorded = await recordingOf(linkedid);

    expect(recorded.file_name).toMatch(new RegExp(`^${linkedid.replace('.', '\\.')}-[0-9.]+\\.wav$`));
    expect(recorded.policy_target).toBe('extension');
    expect(recorded.policy_ref).toBe('1002');
    expect(recorded.retention_days).toBe(1);
    const path = join(monitorDir(), recorded.file_name);
    expect(existsSync(path)).toBe(true);
    expect(statSync(path).size).toBe(recorded.bytes);
    const wav = await readWavInfo(path);
    expect(wav).not.toBeNull();
    expect(wav!.sampleRate).toBe(8000);
    // Recorded while bridged only: about the talk time sipp held the call for.
    expect(wav!.durationSeconds).toBeGreaterThan(TALK_MS / 1000 - 1.5);
    expect(wav!.durationSeconds).toBeLessThan(TALK_MS / 1000 + 2);
    expect(recorded.duration_seconds).toBeCloseTo(wav!.durationSeconds, 2);
    // Not silence: the tone sipp streamed is in the file.
    expect(wav!.dataBytes).toBeGreaterThan(8000 * 2 * 2);

    // The call's journey lists the recording (the call log's link to it).
    const journey = await waitFor(
      'the journey of the recorded call',
      async () => {
        await app.sb.analytics.ingest();
        return (await app.sb.deps.db('call_journeys').where({ linkedid }).first('id')) as
          | { id: number }
          | undefined;
      },
      30_000,
    );
    const detail = await app.api('GET', `/api/v1/calls/${journey.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.recordings.map((r: { id: number }) => r.id)).toContain(recorded.id);
  }, 120_000);

  it('serves the audio to a party of the call (with byte ranges) and to admins, and refuses other users with 403', async () => {
    expect(recorded).toBeDefined();
    const audio = `/api/v1/recordings/${recorded.id}/audio`;

    const asAlice = await fetch(app.url + audio, { headers: { authorization: `Bearer ${app.tokens.user}` } });
    expect(asAlice.status).toBe(200);
    expect(asAlice.headers.get('content-type')).toMatch(/^audio\/wav/);
    const whole = Buffer.from(await asAlice.arrayBuffer());
    expect(whole.length).toBe(recorded.bytes);
    expect(whole.toString('ascii', 0, 4)).toBe('RIFF');

    const ranged = await fetch(app.url + audio, {
      headers: { authorization: `Bearer ${app.tokens.user}`, range: 'bytes=100-199' },
    });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes 100-199/${recorded.bytes}`);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(whole.subarray(100, 200))).toBe(true);

    const asAdmin = await fetch(`${app.url}${audio}?download=1`, {
      headers: { authorization: `Bearer ${app.tokens.admin}` },
    });
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.headers.get('content-disposition')).toMatch(/^attachment; filename="?[0-9.-]+\.wav"?$/);
    await asAdmin.arrayBuffer();

    const asDave = await app.api('GET', audio, { token: daveToken });
    expect(asDave.status).toBe(403);
    expect((await app.api('GET', `/api/v1/recordings/${recorded.id}`, { token: daveToken })).status).toBe(
      403,
    );
    // A supervisor of no queue, with no extension, hears none of it either.
    expect((await app.api('GET', audio, { token: app.tokens.supervisor })).status).toBe(403);

    const alicesList = await app.api('GET', '/api/v1/recordings', { token: app.tokens.user });
    expect(alicesList.body.items.map((r: RecordingApi) => r.id)).toContain(recorded.id);
    const davesList = await app.api('GET', '/api/v1/recordings', { token: daveToken });
    expect(davesList.status).toBe(200);
    expect(davesList.body.items).toEqual([]);
    const byExtension = await app.api('GET', '/api/v1/recordings?extension=1002');
    expect(byExtension.body.items.map((r: RecordingApi) => r.id)).toEqual([recorded.id]);
    expect((await app.api('GET', '/api/v1/recordings?extension=1003')).body.items).toEqual([]);
    expect((await app.api('GET', '/api/v1/recordings/999999')).status).toBe(404);

    // The player page: alice hears it in the browser, dave is told he may not.
    const alice = await pageSession('alice', 'alice-password-1');
    const page = await fetch(`${app.url}/recordings/${recorded.id}`, { headers: { cookie: alice } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`<audio controls preload="metadata" src="${audio}"`);
    const dave = await pageSession('dave', 'dave-password-1');
    expect((await fetch(`${app.url}/recordings/${recorded.id}`, { headers: { cookie: dave } })).status).toBe(
      403,
    );
  });

  it('makes no recording of a call to an extension whose policy is never', async () => {
    await policy('extension', '1003', 'never', null);
    const linkedid = await answeredCall('1003');
    // Run the whole pipeline again after the call ended: still no row, and no file.
    await app.sb.analytics.ingest();
    const rows = await app.sb.deps.db('recordings').where({ linkedid });
    expect(rows).toEqual([]);
    expect(readdirSync(monitorDir()).filter((f) => f.startsWith(`${linkedid}-`))).toEqual([]);
    // Control: the call itself did happen and was answered (CDR ANSWERED).
    const cdr = await app.sb.deps.db('cdr_records').where({ linkedid, disposition: 'ANSWERED' }).first('id');
    expect(cdr).toBeDefined();
  }, 120_000);

  it('deletes a recording past its retention: file gone, deleted_at set, audio answers 410', async () => {
    expect(recorded).toBeDefined();
    const path = join(monitorDir(), recorded.file_name);
    // Not yet due: nothing happens.
    expect(await enforceRetentionOnce(app.sb.deps, new Date())).toBe(0);
    expect(existsSync(path)).toBe(true);

    const later = new Date(Date.now() + 2 * 86_400_000);
    expect(await enforceRetentionOnce(app.sb.deps, later)).toBe(1);
    expect(existsSync(path)).toBe(false);
    const row = await app.sb.deps.db('recordings').where({ id: recorded.id }).first('deleted_at');
    expect(row.deleted_at).not.toBeNull();
    const gone = await app.api('GET', `/api/v1/recordings/${recorded.id}/audio`);
    expect(gone.status).toBe(410);
    const meta = await app.api('GET', `/api/v1/recordings/${recorded.id}`);
    expect(meta.body.deleted_at).not.toBeNull();
    expect(meta.body.audio_url).toBeNull();
  });
});

describe('on-demand recording on a real Asterisk', () => {
  // The caller keys `keys` once the callee answered; the test ends the call through ARI after
  // holdMs (neither sipp scenario hangs up by itself here). Returns the call's linkedid.
  async function callKeying(keys: string, holdMs: number): Promise<string> {
    const callee = await phoneFor('1002', secrets.get('1002')!);
    await succeeded(register(callee));
    const answering = await answerCalls(callee, { timeoutMs: 60_000 });
    const caller = await phoneFor('1001', secrets.get('1001')!);
    const startedAt = new Date(Date.now() - 1000);
    const dialling = dialWithKeys(caller, '1002', keys, { leadMs: 1500, gapMs: 400 });
    await waitFor(
      'the call 1001 -> 1002 to be answered',
      async () => {
        await app.sb.analytics.ingest();
        return app.sb.deps
          .db('cel_events')
          .where('eventtype', 'BRIDGE_ENTER')
          .where('channame', 'like', 'PJSIP/1002-%')
          .where('eventtime', '>=', startedAt)
          .first('id');
      },
      30_000,
    );
    await new Promise((r) => setTimeout(r, holdMs));
    await hangUpChannels();
    expect((await dialling).ok).toBe(true);
    await answering.exited;
    return endedCallFrom1001(startedAt);
  }

  it('records a call on an on_demand extension only after a party keys *3, naming the file after the call', async () => {
    await setPolicy('extension', '1002', 'on_demand', 5);
    // Control: the same call without the code leaves no file and no row.
    const silent = await callKeying('1', 3_000);
    await app.sb.analytics.ingest();
    expect(await app.sb.deps.db('recordings').where({ linkedid: silent })).toEqual([]);
    expect(readdirSync(monitorDir()).filter((f) => f.startsWith(`${silent}-`))).toEqual([]);

    const keyed = await callKeying('*3', 5_000);
    const rec = await recordingOf(keyed);
    expect(rec.policy_target).toBe('on_demand');
    expect(rec.policy_ref).toBe('extension:1002');
    expect(rec.retention_days).toBe(5);
    expect(rec.file_name).toMatch(
      new RegExp(`^od-[0-9]+-${keyed.replace('.', '\\.')}-[0-9.]+-extension1002\\.wav$`),
    );
    const wav = await readWavInfo(join(monitorDir(), rec.file_name));
    // Started after the keys (1.5 s lead), ended by the hangup: shorter than the call, not empty.
    expect(wav!.durationSeconds).toBeGreaterThan(1);
    expect(wav!.durationSeconds).toBeLessThan(8);

    // Only an admin deletes a recording by hand: the file goes, the row stays marked deleted.
    const path = `/api/v1/recordings/${rec.id}`;
    expect((await app.api('DELETE', path, { token: app.tokens.supervisor })).status).toBe(403);
    expect(existsSync(join(monitorDir(), rec.file_name))).toBe(true);
    expect((await app.api('DELETE', path)).status).toBe(204);
    expect(existsSync(join(monitorDir(), rec.file_name))).toBe(false);
    expect((await app.api('GET', `${path}/audio`)).status).toBe(410);
    expect((await app.api('DELETE', '/api/v1/recordings/999999')).status).toBe(404);
  }, 180_000);
});

describe('queue recordings and their supervisors', () => {
  it('records a queue call once although both the queue and its agent have an always policy, and lets only supervisors of that queue hear it', async () => {
    const queue = await app.api('POST', '/api/v1/queues', {
      body: {
        number: '705',
        name: 'Recorded support',
        strategy: 'ringall',
        members: [{ extension: '1005' }],
        failover_destination: { type: 'hangup', target: '' },
      },
    });
    expect(queue.status).toBe(201);
    await app.applyNow();
    await policy('queue', '705', 'always', null);
    await policy('extension', '1005', 'always', null);

    const linkedid = await answeredCall('705', '1005');
    const rec = await recordingOf(linkedid);
    expect(rec.policy_target).toBe('queue');
    expect(rec.policy_ref).toBe('705');
    // Once per call: one row and one file for this linkedid, whatever legs the queue made.
    expect(await app.sb.deps.db('recordings').where({ linkedid }).count({ n: '*' })).toEqual([{ n: 1 }]);
    expect(readdirSync(monitorDir()).filter((f) => f.includes(linkedid))).toEqual([rec.file_name]);
    const wav = await readWavInfo(join(monitorDir(), rec.file_name));
    expect(wav!.durationSeconds).toBeGreaterThan(TALK_MS / 1000 - 1.5);

    const audio = `/api/v1/recordings/${rec.id}/audio`;
    // The supervisor (no extension of their own) is refused until made a supervisor of 705.
    expect((await app.api('GET', audio, { token: app.tokens.supervisor })).status).toBe(403);
    const superId = (await app.sb.deps.db('users').where({ username: 'super' }).first('id')).id as number;
    const set = await app.api('PUT', '/api/v1/recording-policies/queue-supervisors/705', {
      body: { user_ids: [superId] },
    });
    expect(set.status).toBe(200);
    expect(set.body.user_ids).toEqual([superId]);
    const heard = await app.api('GET', audio, { token: app.tokens.supervisor });
    expect(heard.status).toBe(200);
    expect(heard.headers.get('content-type')).toMatch(/^audio\/wav/);
    const listed = await app.api('GET', '/api/v1/recordings?queue=705', { token: app.tokens.supervisor });
    expect(listed.body.items.map((r: RecordingApi) => r.id)).toEqual([rec.id]);
    expect((await app.api('GET', audio, { token: daveToken })).status).toBe(403);
    // A user who is not a supervisor cannot be made one of the queue.
    const daveId = (await app.sb.deps.db('users').where({ username: 'dave' }).first('id')).id as number;
    const refused = await app.api('PUT', '/api/v1/recording-policies/queue-supervisors/705', {
      body: { user_ids: [superId, daveId] },
    });
    expect(refused.status).toBe(400);
    expect((await app.api('GET', '/api/v1/recording-policies/queue-supervisors/705')).body.user_ids).toEqual([
      superId,
    ]);
  }, 180_000);
});

describe('inbound route recordings', () => {
  it('records a call from a carrier through an inbound route whose policy is always, naming the route as the reason', async () => {
    await createCallerTrunk(app, 'rec-carrier');
    const route = await app.api('POST', '/api/v1/inbound-routes', {
      body: { name: 'Recorded line', did: '3225550777', destination: { type: 'extension', target: '1002' } },
    });
    expect(route.status).toBe(201);
    await app.applyNow();
    await policy('inbound_route', String(route.body.id), 'always', 90);

    const callee = await phoneFor('1002', secrets.get('1002')!);
    await succeeded(register(callee));
    const answering = await answerCalls(callee, { timeoutMs: 40_000 });
    const since = new Date(Date.now() - 1000);
    const call = await callFromTrunk({ did: '3225550777', hangup: 'caller', holdMs: TALK_MS });
    expect(call.ok).toBe(true);
    await succeeded(answering);
    const db = app.sb.deps.db;
    const linkedid = await waitFor(
      'the inbound call to end and be ingested',
      async () => {
        await app.sb.analytics.ingest();
        const row = (await db('cel_events as e')
          .where('e.eventtype', 'SB_INBOUND')
          .where('e.eventtime', '>=', since)
          .whereExists((q) =>
            q
              .select(db.raw('1'))
              .from('cel_events as x')
              .where('x.eventtype', 'LINKEDID_END')
              .whereRaw('x.linkedid = e.linkedid'),
          )
          .first('e.linkedid')) as { linkedid: string } | undefined;
        return row?.linkedid;
      },
      30_000,
    );
    const rec = await recordingOf(linkedid);
    expect(rec.policy_target).toBe('route');
    expect(rec.policy_ref).toBe(`inbound_route:${route.body.id}`);
    expect(rec.retention_days).toBe(90);
    const wav = await readWavInfo(join(monitorDir(), rec.file_name));
    expect(wav!.durationSeconds).toBeGreaterThan(TALK_MS / 1000 - 1.5);
    expect(wav!.durationSeconds).toBeLessThan(TALK_MS / 1000 + 2);
    // One recording for the call, whatever policy 1002 has by now (it answered the call).
    expect(await db('recordings').where({ linkedid }).count({ n: '*' })).toEqual([{ n: 1 }]);
  }, 120_000);
});

describe('recording policy API input', () => {
  const listPolicies = async () => (await app.api('GET', '/api/v1/recording-policies')).body.items;

  it('refuses hostile or invalid policies with 400 naming the field, and changes nothing', async () => {
    const before = await listPolicies();
    const bad: { body: unknown; path: string }[] = [
      ...HOSTILE.map((v) => ({
        body: { target_type: 'extension', target_ref: v, mode: 'always' },
        path: 'target_ref',
      })),
      ...HOSTILE.map((v) => ({
        body: { target_type: 'extension', target_ref: '1001', mode: v },
        path: 'mode',
      })),
      ...HOSTILE.map((v) => ({
        body: { target_type: v, target_ref: '1001', mode: 'always' },
        path: 'target_type',
      })),
      {
        body: { target_type: 'extension', target_ref: '1001', mode: 'always', retention_days: 0 },
        path: 'retention_days',
      },
      {
        body: { target_type: 'extension', target_ref: '1001', mode: 'always', retention_days: 3651 },
        path: 'retention_days',
      },
      {
        body: { target_type: 'extension', target_ref: '1001', mode: 'always', retention_days: '7' },
        path: 'retention_days',
      },
      {
        body: { target_type: 'extension', target_ref: '1001', mode: 'always', retention_days: 1.5 },
        path: 'retention_days',
      },
      { body: { target_type: 'extension', target_ref: '1001', mode: 'always', extra: 1 }, path: '(body)' },
      // Well-formed, but no such extension / queue / route.
      { body: { target_type: 'extension', target_ref: '1999', mode: 'always' }, path: 'target_ref' },
      { body: { target_type: 'queue', target_ref: '7000', mode: 'always' }, path: 'target_ref' },
      { body: { target_type: 'inbound_route', target_ref: '4242', mode: 'always' }, path: 'target_ref' },
      { body: { target_type: 'outbound_route', target_ref: '4242', mode: 'never' }, path: 'target_ref' },
    ];
    for (const { body, path } of bad) {
      const res = await app.api('POST', '/api/v1/recording-policies', { body });
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    expect(await listPolicies()).toEqual(before);
  });

  it('refuses a second policy for the same target (409) and bad updates (400), keeping the first', async () => {
    const first = await app.api('POST', '/api/v1/recording-policies', {
      body: { target_type: 'extension', target_ref: '1001', mode: 'on_demand', retention_days: 30 },
    });
    expect(first.status).toBe(201);
    const again = await app.api('POST', '/api/v1/recording-policies', {
      body: { target_type: 'extension', target_ref: '1001', mode: 'always' },
    });
    expect(again.status).toBe(409);
    for (const body of [
      { mode: 'sometimes' },
      { mode: 'always', retention_days: -1 },
      { mode: 'always', target_ref: '1002' },
    ]) {
      expect((await app.api('PUT', `/api/v1/recording-policies/${first.body.id}`, { body })).status).toBe(
        400,
      );
    }
    for (const id of ['abc', '0', '1;2'])
      expect(
        (await app.api('PUT', `/api/v1/recording-policies/${id}`, { body: { mode: 'never' } })).status,
      ).toBe(400);
    const now = await app.api('GET', `/api/v1/recording-policies/${first.body.id}`);
    expect(now.body).toMatchObject({
      target_type: 'extension',
      target_ref: '1001',
      mode: 'on_demand',
      retention_days: 30,
    });
    // Only admins manage policies.
    expect(
      (await app.api('GET', '/api/v1/recording-policies', { token: app.tokens.supervisor })).status,
    ).toBe(403);
    expect((await app.api('DELETE', `/api/v1/recording-policies/${first.body.id}`)).status).toBe(204);
  });

  it('refuses hostile recording list filters with 400', async () => {
    for (const v of HOSTILE) {
      for (const key of ['from', 'to', 'extension', 'queue']) {
        const res = await app.api('GET', `/api/v1/recordings?${key}=${encodeURIComponent(v)}`);
        expect({ key, v, status: res.status }).toEqual({ key, v, status: 400 });
      }
    }
    expect((await app.api('GET', '/api/v1/recordings/abc/audio')).status).toBe(400);
  });

  it('sets the supervisors of a queue only to existing supervisors of an existing queue', async () => {
    expect(
      (await app.api('PUT', '/api/v1/recording-policies/queue-supervisors/7000', { body: { user_ids: [] } }))
        .status,
    ).toBe(404);
    for (const v of HOSTILE)
      expect(
        (
          await app.api('PUT', `/api/v1/recording-policies/queue-supervisors/${encodeURIComponent(v)}`, {
            body: { user_ids: [] },
          })
        ).status,
      ).toBe(400);
  });
});
