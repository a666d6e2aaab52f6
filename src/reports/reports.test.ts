import type { Knex } from 'knex';
import { useTestApp } from '../../test/support/app';
import { HOSTILE } from '../../test/support/hostile';
import { rollupOnce } from '../analytics/rollup';
import type { Direction, Outcome, PartyRole } from '../journeys/types';
import { agentActivity, runReport } from './service';
import { KPIS, type ReportResult } from './types';

// A known day of calls (Monday 2 November 2026, UTC), rolled up, then read back through the
// report API. Every expected figure below is computed by hand from this table; the formulas are
// those of docs/analytics.md (short abandon < 5 s, queue 600 service level 30 s, others 20 s).
//
//  J  start(UTC) dir       queue outcome    W(s)  talk  parties
//  1  09:01      inbound   600   answered   10    100   1001 agent_rung+agent_answered, 1002 agent_rung
//  2  09:20      inbound   600   answered   40    200   1002 agent_rung+agent_answered, 1001 agent_rung
//  3  09:40      inbound   600   abandoned  3 (short)   -
//  4  10:05      inbound   600   abandoned  50          1001, 1002 agent_rung
//  5  10:10      inbound   -     missed     25          1001 rung                (did …0199)
//  6  10:30      inbound   -     voicemail  20          1001 rung+voicemail      (did …0199)
//  7  11:00      outbound  -     answered   8     60    1001 caller
//  8  11:10      internal  -     answered   5     30    1001 caller, 1002 rung+answered
//  9  23:50      inbound   600   callback   15          -   (Tuesday 00:50 in Paris)
const app = useTestApp({ SHORT_ABANDON_SECONDS: '5', REPORT_TIMEZONE: 'UTC' });
const db = (): Knex => app.sb.deps.db;
const DID_A = '+3315550100';
const DID_B = '+3315550199';

interface J {
  linkedid: string;
  start: string;
  direction: Direction;
  outcome: Outcome;
  queue?: string;
  queueWait?: number;
  wait: number;
  talk?: number;
  did?: string;
  parties?: Array<[string, PartyRole]>;
}

const JOURNEYS: J[] = [
  {
    linkedid: 'j1',
    start: '2026-11-02T09:01:00Z',
    direction: 'inbound',
    outcome: 'answered',
    queue: '600',
    queueWait: 10,
    wait: 12,
    talk: 100,
    did: DID_A,
    parties: [
      ['1001', 'agent_rung'],
      ['1001', 'agent_answered'],
      ['1002', 'agent_rung'],
    ],
  },
  {
    linkedid: 'j2',
    start: '2026-11-02T09:20:00Z',
    direction: 'inbound',
    outcome: 'answered',
    queue: '600',
    queueWait: 40,
    wait: 41,
    talk: 200,
    did: DID_A,
    parties: [
      ['1002', 'agent_rung'],
      ['1002', 'agent_answered'],
      ['1001', 'agent_rung'],
    ],
  },
  {
    linkedid: 'j3',
    start: '2026-11-02T09:40:00Z',
    direction: 'inbound',
    outcome: 'abandoned',
    queue: '600',
    queueWait: 3,
    wait: 3,
    did: DID_A,
  },
  {
    linkedid: 'j4',
    start: '2026-11-02T10:05:00Z',
    direction: 'inbound',
    outcome: 'abandoned',
    queue: '600',
    queueWait: 50,
    wait: 50,
    did: DID_A,
    parties: [
      ['1001', 'agent_rung'],
      ['1002', 'agent_rung'],
    ],
  },
  {
    linkedid: 'j5',
    start: '2026-11-02T10:10:00Z',
    direction: 'inbound',
    outcome: 'missed',
    wait: 25,
    did: DID_B,
    parties: [['1001', 'rung']],
  },
  {
    linkedid: 'j6',
    start: '2026-11-02T10:30:00Z',
    direction: 'inbound',
    outcome: 'voicemail',
    wait: 20,
    did: DID_B,
    parties: [
      ['1001', 'rung'],
      ['1001', 'voicemail'],
    ],
  },
  {
    linkedid: 'j7',
    start: '2026-11-02T11:00:00Z',
    direction: 'outbound',
    outcome: 'answered',
    wait: 8,
    talk: 60,
    parties: [['1001', 'caller']],
  },
  {
    linkedid: 'j8',
    start: '2026-11-02T11:10:00Z',
    direction: 'internal',
    outcome: 'answered',
    wait: 5,
    talk: 30,
    parties: [
      ['1001', 'caller'],
      ['1002', 'rung'],
      ['1002', 'answered'],
    ],
  },
  {
    linkedid: 'j9',
    start: '2026-11-02T23:50:00Z',
    direction: 'inbound',
    outcome: 'callback',
    queue: '600',
    queueWait: 15,
    wait: 15,
    did: DID_A,
  },
];

async function insertJourney(j: J): Promise<void> {
  const started = new Date(j.start);
  const answered = j.outcome === 'answered' ? new Date(started.getTime() + j.wait * 1000) : null;
  const [id] = await db()('call_journeys').insert({
    linkedid: j.linkedid,
    started_at: started,
    answered_at: answered,
    ended_at: new Date(started.getTime() + (j.wait + (j.talk ?? 0)) * 1000),
    direction: j.direction,
    called_number: j.queue ?? '',
    did: j.did ?? null,
    outcome: j.outcome,
    queue_number: j.queue ?? null,
    queue_wait_seconds: j.queueWait ?? null,
    wait_seconds: j.wait,
    talk_seconds: j.talk ?? 0,
    duration_seconds: j.wait + (j.talk ?? 0),
    steps: '[]',
  });
  if (j.parties?.length)
    await db()('call_journey_parties').insert(
      j.parties.map(([extension, role]) => ({ journey_id: id, extension, role })),
    );
}

const rollup = () => rollupOnce(db(), { shortAbandonSeconds: 5 });
const FROM = '2026-11-02T00:00:00Z';
const TO = '2026-11-04T00:00:00Z';

async function calls(params: Record<string, string>, token?: string) {
  const qs = new URLSearchParams({ from: FROM, to: TO, ...params });
  return app.api<ReportResult>('GET', `/api/v1/reports/calls?${qs}`, token ? { token } : {});
}
const rowsByKey = (r: ReportResult) => Object.fromEntries(r.rows.map((row) => [row.key, row.values]));

beforeAll(async () => {
  const ext = (number: string, name: string) => ({
    number,
    display_name: name,
    sip_secret: `secret${number}xxxxxxxxxxxx`,
    codecs: 'ulaw',
  });
  await db()('extensions')
    .insert([ext('1001', 'Alice Agent'), ext('1002', 'Bob Agent')])
    .onConflict('number')
    .merge(['display_name']);
  await db()('queues').insert({
    number: '600',
    name: 'Support',
    strategy: 'ringall',
    ring_seconds: 15,
    retry_seconds: 5,
    wrap_up_seconds: 30,
    max_wait_seconds: 0,
    max_callers: 0,
    join_when_empty: true,
    leave_when_empty: false,
    announce_position: false,
    announce_hold_time: false,
    periodic_announce_seconds: 60,
    vip_priority: 10,
    failover_destination_type: 'hangup',
    failover_destination_target: '',
    service_level_seconds: 30,
  });
  const [dept] = await db()('departments').insert({ name: 'Sales' });
  await db()('department_extensions').insert([
    { department_id: dept, extension: '1001' },
    { department_id: dept, extension: '1002' },
  ]);
  for (const j of JOURNEYS) await insertJourney(j);
  await rollup();
});

describe('call KPIs from the rollups', () => {
  test('totals of every KPI equal the hand computation over the nine calls', async () => {
    const res = await calls({});
    expect(res.status).toBe(200);
    expect(res.body.query.kpis).toEqual([...KPIS]);
    expect(res.body.totals).toEqual({
      offered: 9,
      answered: 4,
      abandoned: 2,
      short_abandoned: 1,
      missed: 1,
      voicemail: 1,
      callback: 1,
      answer_rate: 0.5, // 4 / (9 - 1)
      abandon_rate: 0.125, // (2 - 1) / 8
      asa_seconds: 15.8, // (10 + 40 + 8 + 5) / 4 = 15.75
      aht_seconds: 97.5, // (100 + 200 + 60 + 30) / 4
      service_level: 0.375, // J1 (10 ≤ 30), J7 (8 ≤ 20), J8 (5 ≤ 20) / 8
      longest_wait_seconds: 50,
      talk_seconds: 390,
    });
  });

  test('grouped by queue, queue 600 holds its service level of 30 s and its own figures', async () => {
    const res = await calls({ group_by: 'queue' });
    expect(res.status).toBe(200);
    expect(res.body.rows.map((r) => [r.key, r.label])).toEqual([['600', '600 Support']]);
    expect(res.body.rows[0]?.values).toMatchObject({
      offered: 5,
      answered: 2,
      abandoned: 2,
      short_abandoned: 1,
      callback: 1,
      service_level: 0.25, // J1 only / (5 - 1)
      asa_seconds: 25,
      aht_seconds: 150,
      abandon_rate: 0.25,
      longest_wait_seconds: 50,
    });
  });

  test('grouped by hour in UTC and by day in Europe/Paris the late call moves to Tuesday', async () => {
    const hours = await calls({ group_by: 'hour', kpis: 'offered,answered' });
    expect(hours.status).toBe(200);
    expect(hours.body.rows.map((r) => [r.key, r.values.offered])).toEqual([
      ['2026-11-02T09:00', 3],
      ['2026-11-02T10:00', 3],
      ['2026-11-02T11:00', 2],
      ['2026-11-02T23:00', 1],
    ]);
    const utcDays = await calls({ group_by: 'day', kpis: 'offered' });
    expect(rowsByKey(utcDays.body)).toEqual({ '2026-11-02': { offered: 9 } });
    const parisDays = await calls({ group_by: 'day', kpis: 'offered,callback', tz: 'Europe/Paris' });
    expect(parisDays.body.query.timezone).toBe('Europe/Paris');
    expect(rowsByKey(parisDays.body)).toEqual({
      '2026-11-02': { offered: 8, callback: 0 },
      '2026-11-03': { offered: 1, callback: 1 },
    });
    const weeks = await calls({ group_by: 'week', kpis: 'offered' });
    expect(rowsByKey(weeks.body)).toEqual({ '2026-11-02': { offered: 9 } });
    const months = await calls({ group_by: 'month', kpis: 'offered' });
    expect(rowsByKey(months.body)).toEqual({ '2026-11': { offered: 9 } });
  });

  test('the hour-of-week heatmap has 168 cells with the calls in their Paris hours', async () => {
    const res = await calls({ group_by: 'hour_of_week', kpis: 'offered', tz: 'Europe/Paris' });
    expect(res.status).toBe(200);
    expect(res.body.rows).toHaveLength(168);
    const nonEmpty = res.body.rows
      .filter((r) => r.values.offered)
      .map((r) => [r.key, r.label, r.values.offered]);
    expect(nonEmpty).toEqual([
      ['1-10', 'Mon 10:00', 3],
      ['1-11', 'Mon 11:00', 3],
      ['1-12', 'Mon 12:00', 2],
      ['2-0', 'Tue 00:00', 1],
    ]);
  });

  test('grouped by direction and filtered by direction', async () => {
    const res = await calls({ group_by: 'direction', kpis: 'offered,answered,aht_seconds' });
    expect(rowsByKey(res.body)).toEqual({
      inbound: { offered: 7, answered: 2, aht_seconds: 150 },
      internal: { offered: 1, answered: 1, aht_seconds: 30 },
      outbound: { offered: 1, answered: 1, aht_seconds: 60 },
    });
    const outbound = await calls({ direction: 'outbound', kpis: 'offered,asa_seconds' });
    expect(outbound.body.totals).toEqual({ offered: 1, asa_seconds: 8 });
  });

  test('per agent a call counts once per agent it rang, answered only by the one who took it', async () => {
    const res = await calls({
      group_by: 'agent',
      kpis: 'offered,answered,abandoned,asa_seconds,aht_seconds,service_level',
    });
    expect(res.body.rows.map((r) => r.label)).toEqual(['1001 Alice Agent', '1002 Bob Agent']);
    expect(rowsByKey(res.body)).toEqual({
      '1001': {
        offered: 3,
        answered: 1,
        abandoned: 1,
        asa_seconds: 10,
        aht_seconds: 100,
        service_level: 0.3333,
      },
      '1002': { offered: 3, answered: 1, abandoned: 1, asa_seconds: 40, aht_seconds: 200, service_level: 0 },
    });
    const one = await calls({ agent: '1002', kpis: 'offered,answered' });
    expect(one.body.totals).toEqual({ offered: 3, answered: 1 });
  });

  test('per extension: placed calls that were answered count as answered for the caller', async () => {
    const res = await calls({
      group_by: 'extension',
      kpis: 'offered,answered,missed,voicemail,talk_seconds',
    });
    expect(rowsByKey(res.body)).toEqual({
      '1001': { offered: 7, answered: 3, missed: 1, voicemail: 1, talk_seconds: 190 },
      '1002': { offered: 4, answered: 2, missed: 0, voicemail: 0, talk_seconds: 230 },
    });
  });

  test('a department counts a call once even when it reached several of its extensions', async () => {
    const dept = (await db()('departments').where({ name: 'Sales' }).first('id')) as { id: number };
    const res = await calls({
      department: String(dept.id),
      kpis: 'offered,answered,abandoned,missed,voicemail',
    });
    expect(res.status).toBe(200);
    // J1, J2, J4, J5, J6, J7, J8 (not 7 + 4 = 11 as the per-extension rows add up to)
    expect(res.body.totals).toEqual({ offered: 7, answered: 4, abandoned: 1, missed: 1, voicemail: 1 });
    const perPerson = await calls({ department: String(dept.id), group_by: 'extension', kpis: 'offered' });
    expect(rowsByKey(perPerson.body)).toEqual({ '1001': { offered: 7 }, '1002': { offered: 4 } });
  });

  test('filtered by DID', async () => {
    const res = await calls({ did: DID_B, kpis: 'offered,answered,missed,voicemail,longest_wait_seconds' });
    expect(res.body.totals).toEqual({
      offered: 2,
      answered: 0,
      missed: 1,
      voicemail: 1,
      longest_wait_seconds: 25,
    });
    const grouped = await calls({ group_by: 'did', kpis: 'offered' });
    expect(rowsByKey(grouped.body)).toEqual({ [DID_A]: { offered: 5 }, [DID_B]: { offered: 2 } });
  });

  test('a window not on UTC midnights adds the ragged 15-minute ends to the whole days', async () => {
    // whole day 1 November + 00:00-09:30 on the 2nd: J1, J2
    const tail = await calls({
      from: '2026-11-01T00:00Z',
      to: '2026-11-02T09:30Z',
      group_by: 'queue',
      kpis: 'offered,answered',
    });
    expect(rowsByKey(tail.body)).toEqual({ '600': { offered: 2, answered: 2 } });
    // 09:15 on the 2nd to midnight, then the whole 3rd: J2, J3, J4, J9
    const head = await calls({
      from: '2026-11-02T09:15Z',
      to: '2026-11-04T00:00Z',
      group_by: 'queue',
      kpis: 'offered,answered',
    });
    expect(rowsByKey(head.body)).toEqual({ '600': { offered: 4, answered: 1 } });
    // a Paris day of 2 November: 1 Nov 23:00Z to 2 Nov 23:00Z: J1-J8
    const paris = await calls({ from: '2026-11-02', to: '2026-11-03', tz: 'Europe/Paris', kpis: 'offered' });
    expect(paris.body.query.from).toBe('2026-11-01T23:00:00.000Z');
    expect(paris.body.totals).toEqual({ offered: 8 });
  });

  test('a window with no calls gives zero counts and null ratios', async () => {
    const res = await calls({
      from: '2026-10-01',
      to: '2026-10-02',
      kpis: 'offered,service_level,asa_seconds',
    });
    expect(res.status).toBe(200);
    expect(res.body.totals).toEqual({ offered: 0, service_level: null, asa_seconds: null });
  });

  test('CSV has a header, one line per group, a total, and neutralises formula-looking cells', async () => {
    const res = await calls({ group_by: 'did', kpis: 'offered,answered', format: 'csv' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="?calls-did-20261102T0000-20261104T0000\.csv/,
    );
    expect(res.text.split('\r\n')).toEqual([
      'key,label,offered,answered',
      `'${DID_A},'${DID_A},5,2`,
      `'${DID_B},'${DID_B},2,0`,
      'total,Total,7,2',
      '',
    ]);
  });

  test('the OpenAPI document lists both report operations and their parameters', async () => {
    const res = await app.api('GET', '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    const text = JSON.stringify(res.body);
    for (const part of [
      '/api/v1/reports/calls',
      '/api/v1/reports/agent-activity',
      'group_by',
      'kpis',
      'department',
    ])
      expect(text).toContain(part);
  });

  test('supervisors may read reports, users may not', async () => {
    expect((await calls({ kpis: 'offered' }, app.tokens.supervisor)).status).toBe(200);
    expect((await calls({ kpis: 'offered' }, app.tokens.user)).status).toBe(403);
    expect(
      (await app.api('GET', `/api/v1/reports/calls?from=${FROM}&to=${TO}`, { token: null })).status,
    ).toBe(401);
  });
});

describe('incremental rollup', () => {
  test('a rerun changes nothing and a late journey corrects its old bucket', async () => {
    const snapshot = async () => ({
      quarters: await db()('call_rollups')
        .select('*')
        .orderBy(['dim', 'bucket_start', 'dim_value', 'direction']),
      days: await db()('call_rollups_daily')
        .select('*')
        .orderBy(['dim', 'day_start', 'dim_value', 'direction']),
    });
    const before = await snapshot();
    expect(await rollup()).toMatchObject({ buckets: expect.any(Number) });
    expect(await snapshot()).toEqual(before);

    // Built now, started on Monday 09:05: in the 09:00 bucket rolled up long ago.
    await insertJourney({
      linkedid: 'j10',
      start: '2026-11-02T09:05:00Z',
      direction: 'inbound',
      outcome: 'answered',
      queue: '600',
      queueWait: 20,
      wait: 20,
      talk: 50,
      parties: [['1001', 'agent_answered']],
    });
    await rollup();
    const res = await calls({
      group_by: 'hour',
      queue: '600',
      kpis: 'offered,answered,service_level,asa_seconds',
    });
    expect(rowsByKey(res.body)['2026-11-02T09:00']).toEqual({
      offered: 4, // J1, J2, J3, J10
      answered: 3,
      service_level: 0.6667, // J1, J10 / (4 - 1)
      asa_seconds: 23.3, // (10 + 40 + 20) / 3
    });
    const again = await snapshot();
    await rollup();
    expect(await snapshot()).toEqual(again);
  });

  test("changing a queue's service level recomputes its old buckets", async () => {
    await db()('queues').where({ number: '600' }).update({ service_level_seconds: 45 });
    await rollup();
    const res = await calls({ queue: '600', kpis: 'service_level' });
    // J1 10, J2 40, J10 20 all ≤ 45 / (6 - 1)
    expect(res.body.totals).toEqual({ service_level: 0.6 });
    await db()('queues').where({ number: '600' }).update({ service_level_seconds: 30 });
    await rollup();
    expect((await calls({ queue: '600', kpis: 'service_level' })).body.totals).toEqual({
      service_level: 0.4,
    });
  });
});

describe('agent activity from queue_log', () => {
  // Alice (1001, member name Alice_Agent) in queue 600 (wrap-up 30 s), Monday 2 November:
  //  08:55 login · 09:01:10-09:02:50 call (100 s, wrap-up 30 s) · 09:10-09:20 pause (600 s)
  //  09:25:00-09:25:10 call (10 s; wrap-up cut to 10 s by the next call) · 09:25:20-09:26:00 call
  //  (40 s, wrap-up 30 s) · 09:30 logout
  const ev = (time: string, event: string, callid = 'NONE') => ({
    time: new Date(`2026-11-02T${time}Z`),
    callid,
    queuename: 'sb-queue-600',
    agent: 'Alice_Agent',
    event,
  });
  const FIRST = [
    ev('08:55:00', 'ADDMEMBER'),
    ev('09:01:10', 'CONNECT', 'c1'),
    ev('09:02:50', 'COMPLETECALLER', 'c1'),
    ev('09:10:00', 'PAUSE'),
    ev('09:20:00', 'UNPAUSE'),
  ];
  const LATER = [
    ev('09:25:00', 'CONNECT', 'c2'),
    ev('09:25:10', 'COMPLETEAGENT', 'c2'),
    ev('09:25:20', 'CONNECT', 'c3'),
    ev('09:26:00', 'COMPLETECALLER', 'c3'),
    ev('09:30:00', 'REMOVEMEMBER'),
  ];
  const activity = async (from: string, to: string, extra = '') =>
    app.api('GET', `/api/v1/reports/agent-activity?from=${from}&to=${to}${extra}`);

  test('login, pause, talk, wrap-up and occupancy, with events arriving in two rollups', async () => {
    await db()('queue_log_events').insert(FIRST);
    await rollup();
    const early = await agentActivity(db(), {
      from: new Date('2026-11-02T08:00:00Z'),
      to: new Date('2026-11-02T10:00:00Z'),
    });
    // Still logged in at the newest event (09:20): 25 min of login so far.
    expect(early).toEqual([
      {
        agent: '1001',
        loginSeconds: 1500,
        pauseSeconds: 600,
        talkSeconds: 100,
        wrapupSeconds: 30,
        callsAnswered: 1,
        occupancy: 0.1111,
      },
    ]);
    await db()('queue_log_events').insert(LATER);
    await rollup();
    const res = await activity('2026-11-02T08:00Z', '2026-11-02T10:00Z');
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([
      // occupancy 150 / (2100 - 600)
      {
        agent: '1001',
        loginSeconds: 2100,
        pauseSeconds: 600,
        talkSeconds: 150,
        wrapupSeconds: 70,
        callsAnswered: 3,
        occupancy: 0.1,
      },
    ]);
  });

  test('a 15-minute window holds only the seconds inside it', async () => {
    const res = await activity('2026-11-02T09:15Z', '2026-11-02T09:30Z', '&queue=600&agent=1001');
    expect(res.body.items).toEqual([
      {
        agent: '1001',
        loginSeconds: 900,
        pauseSeconds: 300,
        talkSeconds: 50,
        wrapupSeconds: 40,
        callsAnswered: 2,
        occupancy: 0.0833,
      },
    ]);
    const csv = await activity('2026-11-02T09:15Z', '2026-11-02T09:30Z', '&format=csv');
    expect(csv.text).toBe(
      'agent,login_seconds,pause_seconds,talk_seconds,wrapup_seconds,calls_answered,occupancy\r\n1001,900,300,50,40,2,0.0833\r\n',
    );
    const other = await activity('2026-11-02T09:15Z', '2026-11-02T09:30Z', '&agent=1002');
    expect(other.body.items).toEqual([]);
  });
});

describe('bad report parameters', () => {
  const expect400 = async (params: Record<string, string>, field: string, path = 'calls') => {
    const qs = new URLSearchParams(params);
    const res = await app.api('GET', `/api/v1/reports/${path}?${qs}`);
    expect(res.status).toBe(400);
    // A list names the item too: "kpis.1" is the second KPI given.
    const fields = res.body.error.details.map((d: { path: string }) => d.path.split('.')[0]);
    expect(fields).toContain(field);
  };

  test('missing, malformed, reversed or too long windows name from/to', async () => {
    await expect400({ to: TO }, 'from');
    await expect400({ from: 'yesterday', to: TO }, 'from');
    await expect400({ from: '2026-02-30', to: TO }, 'from');
    await expect400({ from: TO, to: FROM }, 'to');
    await expect400({ from: '2025-01-01', to: '2026-03-01' }, 'to');
    await expect400({ from: '2026-11-02', to: '2026-11-02' }, 'to', 'agent-activity');
  });

  test('unknown groupings, KPIs, directions, time zones and formats name their field', async () => {
    await expect400({ from: FROM, to: TO, group_by: 'year' }, 'group_by');
    await expect400({ from: FROM, to: TO, kpis: 'offered,happiness' }, 'kpis');
    await expect400({ from: FROM, to: TO, kpis: '' }, 'kpis');
    await expect400({ from: FROM, to: TO, direction: 'sideways' }, 'direction');
    await expect400({ from: FROM, to: TO, tz: 'Mars/Olympus' }, 'tz');
    await expect400({ from: FROM, to: TO, format: 'xlsx' }, 'format');
    await expect400({ from: FROM, to: TO, department: 'sales' }, 'department');
    await expect400({ from: FROM, to: TO, department: '999999' }, 'department');
  });

  test('hostile values in every list filter are refused', async () => {
    for (const field of ['queue', 'agent', 'extension', 'did']) {
      for (const value of HOSTILE) await expect400({ from: FROM, to: TO, [field]: value }, field);
    }
    for (const value of HOSTILE) await expect400({ from: FROM, to: TO, tz: value }, 'tz');
  });

  test('two different slices (a queue and an agent) are refused rather than answered wrongly', async () => {
    await expect400({ from: FROM, to: TO, queue: '600', agent: '1001' }, 'agent');
    await expect400({ from: FROM, to: TO, group_by: 'queue', extension: '1001' }, 'extension');
  });

  test('an unknown parameter is refused', async () => {
    const res = await app.api('GET', `/api/v1/reports/calls?from=${FROM}&to=${TO}&grup_by=day`);
    expect(res.status).toBe(400);
  });

  test('the service refuses a bad window too', async () => {
    await expect(
      runReport(
        db(),
        { from: new Date(TO), to: new Date(FROM), groupBy: 'none', kpis: ['offered'] },
        { timezone: 'UTC' },
      ),
    ).rejects.toMatchObject({ status: 400, details: [{ path: 'to', message: 'must be after from' }] });
  });
});
