import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import type { Knex } from 'knex';
import { createKnex, ensureDatabase } from '../../src/db/knex';
import { testEnv } from '../support/env';

// The migration that stops keeping voicemail PINs in clear, run on a database that holds boxes
// from before it: each PIN becomes its argon2 hash, and those today's rule refuses are flagged.

const MIGRATION = '20261208160000_hash_voicemail_pins';
const dbName = `sb_test_pinmig_${randomBytes(4).toString('hex')}`;
let db: Knex;

beforeAll(async () => {
  const url = `${testEnv.mysqlServer}/${dbName}`;
  await ensureDatabase(url);
  db = createKnex(url, { min: 0, max: 2 });
  // Every migration before this one, one at a time.
  for (;;) {
    const [, pending] = (await db.migrate.list()) as [unknown, Array<{ file: string } | string>];
    const next = pending[0];
    const name = typeof next === 'string' ? next : next?.file;
    if (name === undefined || name.startsWith(MIGRATION)) break;
    await db.migrate.up();
  }
}, 120_000);

afterAll(async () => {
  await db?.raw(`DROP DATABASE IF EXISTS \`${dbName}\``);
  await db?.destroy();
});

it('hashes every stored PIN and flags the ones the new rule refuses', async () => {
  const boxes = { '1001': '1234', '1002': '730215', '1003': '100399', '1004': '121212' };
  for (const [number, pin] of Object.entries(boxes)) {
    await db('extensions').insert({
      number,
      display_name: `Ext ${number}`,
      sip_secret: 'x'.repeat(24),
      codecs: 'ulaw',
    });
    await db('voicemail_boxes').insert({ extension_number: number, pin });
  }
  await db.migrate.up();
  const rows = (await db('voicemail_boxes').orderBy('extension_number')) as Array<Record<string, unknown>>;
  expect(rows.map((r) => [r['extension_number'], Boolean(r['pin_weak'])])).toEqual([
    ['1001', true],
    ['1002', false],
    ['1003', true],
    ['1004', true],
  ]);
  for (const r of rows) {
    expect(r).not.toHaveProperty('pin');
    const clear = boxes[r['extension_number'] as keyof typeof boxes];
    expect(await argon2.verify(String(r['pin_hash']), clear)).toBe(true);
  }
}, 60_000);
