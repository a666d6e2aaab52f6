import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useTestDb } from '../../test/support/db';
import { parseCel, parseQueueLog } from '../calldata/parse';
import { buildJourneysOnce, STALE_CALL_SECONDS } from './build';

// buildJourneysOnce on a real MariaDB, fed with what Asterisk wrote for six real calls
// (fixtures/README.md): when a call is built, that it is built once, and that a call whose end
// never arrived is still built in the end.

const t = useTestDb();
const dir = join(__dirname, 'fixtures');
const lines = (file: string) =>
  readFileSync(join(dir, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');

const celRows = lines('six-calls.cel.jsonl').map((l) => {
  const p = parseCel(l);
  if (!p.ok) throw new Error(p.error);
  return p.row;
});
const queueRows = lines('six-calls.queue_log').map((l) => {
  const p = parseQueueLog(l);
  if (!p.ok) throw new Error(p.error);
  return p.row;
});
const lastEnd = new Date(
  Math.max(...celRows.filter((r) => r.eventtype === 'LINKEDID_END').map((r) => r.eventtime.getTime())),
);
const at = (base: Date, secondsLater: number) => new Date(base.getTime() + secondsLater * 1000);

beforeAll(async () => {
  await t.db('cel_events').insert(celRows);
  await t.db('queue_log_events').insert(queueRows);
  // queue_log names agent 2001 by its display name.
  await t
    .db('extensions')
    .insert({ number: '2001', display_name: 'Agent 2001', sip_secret: 'x', codecs: 'ulaw' });
});

describe('buildJourneysOnce', () => {
  it('waits settleSeconds after the last LINKEDID_END, then builds each call exactly once', async () => {
    expect(await buildJourneysOnce(t.db, { settleSeconds: 2, now: at(lastEnd, 1) })).toBe(5);
    expect(await t.db('call_journeys').count({ n: '*' }).first()).toEqual({ n: 5 });
    expect(await buildJourneysOnce(t.db, { settleSeconds: 2, now: at(lastEnd, 3) })).toBe(1);
    expect(await buildJourneysOnce(t.db, { settleSeconds: 2, now: at(lastEnd, 60) })).toBe(0);
    const rows = await t
      .db('call_journeys')
      .select('linkedid', 'outcome', 'queue_number')
      .orderBy('started_at');
    expect(rows.map((r) => r.outcome)).toEqual([
      'answered',
      'voicemail',
      'answered',
      'abandoned',
      'answered',
      'answered',
    ]);
    const agent = await t
      .db('call_journey_parties as p')
      .join('call_journeys as j', 'j.id', 'p.journey_id')
      .where('j.queue_number', '801')
      .select('p.extension', 'p.role')
      .orderBy('p.role');
    expect(agent).toEqual([
      { extension: '2001', role: 'agent_rung' },
      { extension: '2001', role: 'agent_answered' },
    ]);
  });

  it('two builders racing on the same calls write each journey once', async () => {
    await t.db('call_journeys').del();
    const [a, b] = await Promise.all([
      buildJourneysOnce(t.db, { now: at(lastEnd, 60) }),
      buildJourneysOnce(t.db, { now: at(lastEnd, 60) }),
    ]);
    expect(a + b).toBe(6);
    expect(await t.db('call_journeys').count({ n: '*' }).first()).toEqual({ n: 6 });
    expect(await t.db('call_journey_parties').count({ n: '*' }).first()).toEqual({ n: 10 });
  });

  it('a call whose LINKEDID_END never came is built once its last event is 4 hours old', async () => {
    const linkedid = '1796159673.8';
    const rows = celRows
      .filter((r) => r.linkedid === linkedid && r.eventtype !== 'LINKEDID_END')
      .map((r) => ({ ...r, linkedid: 'lost.1', uniqueid: r.uniqueid === linkedid ? 'lost.1' : r.uniqueid }));
    await t.db('cel_events').insert(rows);
    const last = new Date(Math.max(...rows.map((r) => r.eventtime.getTime())));
    expect(await buildJourneysOnce(t.db, { now: at(last, STALE_CALL_SECONDS - 60) })).toBe(0);
    expect(await buildJourneysOnce(t.db, { now: at(last, STALE_CALL_SECONDS + 1) })).toBe(1);
    const j = await t.db('call_journeys').where({ linkedid: 'lost.1' }).first();
    expect(j).toMatchObject({ direction: 'inbound', outcome: 'answered', answered_by: '2001' });
  });
});
