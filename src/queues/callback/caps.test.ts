import { useTestDb } from '../../../test/support/db';
import { insertWithinCaps } from './repo';

// The callback caps against MariaDB: one open request per number across queues, per number and
// per caller ID in 24 hours (closed requests count too), open requests per queue; and two
// requests checked at the same moment are counted one after the other.

const t = useTestDb();

beforeAll(async () => {
  for (const number of ['700', '701', '702', '710', '711', '720']) {
    await t.db('queues').insert({
      number,
      name: `Q${number}`,
      strategy: 'ringall',
      ring_seconds: 15,
      retry_seconds: 5,
      wrap_up_seconds: 0,
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
    });
  }
});
const CAPS = { maxPending: 3, maxPerNumberPerDay: 2, maxPerCallerPerDay: 3 };

const request = (queue: string, number: string, caller: string) => ({
  queue,
  number,
  caller,
  position: 1,
  priority: 0,
});

async function closeAll(number: string) {
  await t.db('queue_callbacks').where({ number }).update({ status: 'cancelled', closed_at: new Date() });
}

describe('queue callback caps', () => {
  it('one open request per number, across queues; then at most N per number in 24 hours', async () => {
    expect(await insertWithinCaps(t.db, request('700', '0470000001', 'a1'), CAPS)).toHaveProperty('id');
    expect(await insertWithinCaps(t.db, request('701', '0470000001', 'a2'), CAPS)).toEqual({
      refused: 'number-open',
    });
    await closeAll('0470000001');
    expect(await insertWithinCaps(t.db, request('701', '0470000001', 'a3'), CAPS)).toHaveProperty('id');
    await closeAll('0470000001');
    expect(await insertWithinCaps(t.db, request('702', '0470000001', 'a4'), CAPS)).toEqual({
      refused: 'number-day',
    });
    // A day later it may ask again.
    await t
      .db('queue_callbacks')
      .where({ number: '0470000001' })
      .update({
        requested_at: t.db.raw('NOW(3) - INTERVAL 25 HOUR'),
      });
    expect(await insertWithinCaps(t.db, request('702', '0470000001', 'a5'), CAPS)).toHaveProperty('id');
  });

  it('at most N per caller ID in 24 hours, and at most M open in a queue', async () => {
    for (const n of ['0470000011', '0470000012', '0470000013']) {
      expect(await insertWithinCaps(t.db, request('710', n, 'c1'), CAPS)).toHaveProperty('id');
    }
    expect(await insertWithinCaps(t.db, request('711', '0470000014', 'c1'), CAPS)).toEqual({
      refused: 'caller-day',
    });
    expect(await insertWithinCaps(t.db, request('710', '0470000015', 'c2'), CAPS)).toEqual({
      refused: 'queue-pending',
    });
    expect(await insertWithinCaps(t.db, request('711', '0470000015', 'c2'), CAPS)).toHaveProperty('id');
  });

  it('refuses a request for a queue that does not exist', async () => {
    expect(await insertWithinCaps(t.db, request('799', '0470000031', 'e1'), CAPS)).toEqual({
      refused: 'no-queue',
    });
  });

  it('counts simultaneous requests one after the other', async () => {
    const results = await Promise.all(
      ['d1', 'd2', 'd3', 'd4', 'd5', 'd6'].map((caller) =>
        insertWithinCaps(t.db, request('720', '0470000021', caller), CAPS),
      ),
    );
    expect(results.filter((r) => 'id' in r)).toHaveLength(1);
    expect(results.filter((r) => 'refused' in r && r.refused === 'number-open')).toHaveLength(5);
  });
});
