import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Parsed, parseCel, parseQueueLog } from '../calldata/parse';
import type { CelEvent, QueueLogEvent } from '../calldata/types';
import { type AssembledJourney, assembleJourney, channelKind } from './assemble';

// Journeys assembled from what Asterisk 22 really wrote for six calls (fixtures/README.md), read
// with the same parsers the ingest uses.

// The fixture's non-blank lines through `parse`, numbered from 1 as the ingest numbers rows.
function readFixture<Row>(file: string, parse: (line: string) => Parsed<Row>): Array<Row & { id: number }> {
  const rows: Array<Row & { id: number }> = [];
  for (const line of readFileSync(join(__dirname, 'fixtures', file), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const p = parse(line);
    if (!p.ok) throw new Error(p.error);
    rows.push({ id: rows.length + 1, ...p.row });
  }
  return rows;
}

function load(): AssembledJourney[] {
  const cel: CelEvent[] = readFixture('six-calls.cel.jsonl', parseCel);
  const queueLog: QueueLogEvent[] = readFixture('six-calls.queue_log', parseQueueLog);
  const linkedids = [...new Set(cel.map((e) => e.linkedid))];
  return linkedids.map((linkedid) => {
    const events = cel.filter((e) => e.linkedid === linkedid);
    const uniqueids = new Set(events.map((e) => e.uniqueid));
    return assembleJourney(
      { linkedid, cel: events, cdr: [], queueLog: queueLog.filter((q) => uniqueids.has(q.callid)) },
      new Map([['Agent 2001', '2001']]),
    );
  });
}

const journeys = load();
const byCaller = (n: string, called?: string) => {
  const found = journeys.filter(
    (j) => j.callerNumber === n && (called === undefined || j.calledNumber === called),
  );
  if (found.length !== 1) throw new Error(`${found.length} journeys from ${n}`);
  return found[0]!;
};
const roles = (j: AssembledJourney) => j.parties.map((p) => `${p.extension}:${p.role}`).sort();

describe('journeys from recorded Asterisk call data', () => {
  it('builds one journey per linkedid: six calls', () => {
    expect(journeys).toHaveLength(6);
  });

  it('an answered internal call: answered at the bridge, not at the caller channel’s ANSWER', () => {
    const j = byCaller('1001', '1002');
    expect(j).toMatchObject({ direction: 'internal', outcome: 'answered', answeredBy: '1002' });
    expect(j.answeredAt!.getTime() - j.startedAt.getTime()).toBeLessThan(100);
    expect(j.talkSeconds).toBeCloseTo(4.0, 0);
    expect(roles(j)).toEqual(['1001:caller', '1002:answered', '1002:rung']);
  });

  it('voicemail answered the channel, yet nobody answered the call: outcome voicemail', () => {
    const j = byCaller('1002', '1003');
    expect(j).toMatchObject({ outcome: 'voicemail', voicemailBox: '1003', answeredAt: null, talkSeconds: 0 });
    expect(j.waitSeconds).toBe(j.durationSeconds);
  });

  it('an IVR caller: route, DID, trunk and the key pressed, in the order they happened', () => {
    const j = byCaller('3225551111');
    expect(j).toMatchObject({
      direction: 'inbound',
      did: '3225550301',
      trunk: 'test-carrier',
      ivrPath: '1:1',
      answeredBy: '1002',
    });
    expect(j.steps.map((s) => s.kind)).toEqual([
      'start',
      'inbound_route',
      'ivr_key',
      'ring',
      'answer',
      'hangup',
    ]);
    const times = j.steps.map((s) => Date.parse(s.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('queue_log’s whole seconds never put a queue step before the call started', () => {
    for (const j of journeys) {
      const times = j.steps.map((s) => Date.parse(s.at));
      expect(times[0]).toBe(j.startedAt.getTime());
      expect(times).toEqual([...times].sort((a, b) => a - b));
    }
    const abandoned = byCaller('3225552222');
    expect(abandoned).toMatchObject({
      outcome: 'abandoned',
      queueNumber: '802',
      queuePosition: 1,
      queueWaitSeconds: 3,
    });
    expect(abandoned.steps.map((s) => s.kind)).toEqual([
      'start',
      'inbound_route',
      'queue_enter',
      'queue_abandon',
      'hangup',
    ]);
  });

  it('the agent of a queue CONNECT is found by its channel, rung and answered', () => {
    const j = byCaller('3225553333');
    expect(j).toMatchObject({
      queueNumber: '801',
      answeredBy: '2001',
      outcome: 'answered',
      queueWaitSeconds: 0,
    });
    expect(roles(j)).toEqual(['2001:agent_answered', '2001:agent_rung']);
  });

  it('an outbound call is answered by the number dialled, through the trunk that carried it', () => {
    const j = byCaller('1001', '0470555123');
    expect(j).toMatchObject({
      direction: 'outbound',
      trunk: 'far-carrier',
      answeredBy: '0470555123',
      did: null,
    });
    expect(roles(j)).toEqual(['1001:caller']);
  });
});

describe('a queue callback placeholder (recorded: cancelled while waiting in queue 803)', () => {
  const read = <T>(file: string, parse: (l: string) => { ok: true; row: T } | { ok: false; error: string }) =>
    readFileSync(join(__dirname, 'fixtures', file), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l, i) => {
        const p = parse(l);
        if (!p.ok) throw new Error(p.error);
        return { id: i + 1, ...p.row };
      });
  const j = assembleJourney(
    {
      linkedid: 'sb-cbw-1-1',
      cel: read('callback-placeholder.cel.jsonl', parseCel),
      cdr: [],
      queueLog: read('callback-placeholder.queue_log', parseQueueLog),
    },
    new Map(),
  );

  it('is a call Switchboard places to the number to call back, not a caller abandoning the queue', () => {
    expect(j).toMatchObject({
      direction: 'outbound',
      callerNumber: '803',
      callerName: 'Queue callback',
      calledNumber: '0470555444',
      queueNumber: null,
      answeredAt: null,
      outcome: 'failed',
    });
    expect(j.steps[0]!.detail).toBe('Callback to 0470555444: waiting for an agent of queue 803');
  });
});

describe('channelKind', () => {
  it('tells trunks (names with dashes), extensions and Local halves apart', () => {
    expect(channelKind('PJSIP/trunk-my-carrier-0000001a')).toEqual({ kind: 'trunk', trunk: 'my-carrier' });
    expect(channelKind('PJSIP/1002-00000004')).toEqual({ kind: 'extension', extension: '1002' });
    expect(channelKind('Local/0470999888@sb-confirm-external-00000002;2')).toEqual({
      kind: 'local',
      target: '0470999888',
    });
    expect(channelKind('Surrogate/x')).toEqual({ kind: 'other' });
  });
});
