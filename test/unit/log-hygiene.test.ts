import { Writable } from 'node:stream';
import knexFactory from 'knex';
import { createKnex } from '../../src/db/knex';
import { createLogger } from '../../src/lib/log';
import { testEnv } from '../support/env';

// What reaches a log line from a failed query or a request URL (lib/log.ts), with real knex and
// mysql2 errors from the test MariaDB: never the statement, its bound values or a query string.
const SECRET = 'LeakCanary-7f3a9c2e51';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { log: createLogger('info', stream), lines };
}

async function failedQuery(db: ReturnType<typeof createKnex>): Promise<unknown> {
  try {
    await db('no_such_table_for_log_test').insert({ sip_secret: SECRET, number: '1001' });
  } catch (err) {
    return err;
  } finally {
    await db.destroy();
  }
  throw new Error('the query did not fail');
}

describe('log hygiene', () => {
  it('logs a failed query with the server’s message and code, without SQL, bindings or values', async () => {
    // knex as configured by Switchboard, and knex's default (values compiled into the message):
    // the serializer must hold for both.
    const ours = await failedQuery(createKnex(`${testEnv.mysqlServer}/mysql`, { min: 0, max: 1 }));
    const plain = await failedQuery(
      knexFactory({ client: 'mysql2', connection: `${testEnv.mysqlServer}/mysql`, pool: { min: 0, max: 1 } }),
    );
    expect(String((plain as Error).message)).toContain(SECRET); // what used to be logged
    const { log, lines } = capture();
    log.error({ err: ours }, 'request failed');
    log.error({ err: plain }, 'request failed');
    log.error({ err: new Error('while saving', { cause: plain }) }, 'request failed');
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line).not.toContain(SECRET);
      expect(line).not.toMatch(/insert into/i);
      const { err } = JSON.parse(line) as { err: Record<string, unknown> };
      expect(err).not.toHaveProperty('sql');
      expect(err).not.toHaveProperty('bindings');
    }
    const first = JSON.parse(lines[0]!) as { err: { message: string; code: string; stack: string } };
    expect(first.err.code).toBe('ER_NO_SUCH_TABLE');
    expect(first.err.message).toMatch(/no_such_table_for_log_test' doesn't exist/);
    expect(first.err.stack).toMatch(/^Error: Table .* doesn't exist\n\s+at /);
    expect(JSON.parse(lines[2]!).err.message).toMatch(/while saving.*doesn't exist/s);
  });

  it('logs URLs without their query string', () => {
    const { log, lines } = capture();
    log.error({ url: `/wallboard/1?kiosk=${SECRET}` }, 'request failed');
    log.error({ url: `/login?next=%2Fx#${SECRET}` }, 'request failed');
    log.info({ url: '/api/v1/extensions' }, 'plain');
    expect(lines.map((l) => (JSON.parse(l) as { url: string }).url)).toEqual([
      '/wallboard/1',
      '/login',
      '/api/v1/extensions',
    ]);
    for (const line of lines) expect(line).not.toContain(SECRET);
  });
});
