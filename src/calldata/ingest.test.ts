import { appendFile, mkdir, mkdtemp, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestDb } from '../../test/support/db';
import { createLogger } from '../lib/log';
import { ingestOnce, ingestStatus, skipExistingCallData } from './ingest';

// Lines as Asterisk 22 writes them with asterisk-config/cdr_custom.conf, cel_custom.conf and
// logger.conf (taken from a real call).
const cel = (type: string, t: number, extra = '', linkedid = '1796159430.0') =>
  JSON.stringify({
    eventtype: type,
    eventtime: t,
    userdeftype: type.startsWith('SB_') ? type : '',
    eventextra: type.startsWith('SB_') ? JSON.stringify({ extra }) : extra,
    name: 'Bob',
    num: '1002',
    ani: '1002',
    dnid: '1001',
    exten: 's',
    context: 'sb-extension-dial',
    channame: 'PJSIP/1002-00000000',
    appname: '',
    appdata: '',
    uniqueid: linkedid,
    linkedid,
    peer: '',
  });
const cdr = (answer: number) =>
  JSON.stringify({
    linkedid: '1796159430.0',
    uniqueid: '1796159430.0',
    sequence: 0,
    start: 1796159430.137524,
    answer,
    end: 1796159450.410219,
    clid: '"Bob" <1002>',
    src: '1002',
    dst: 's',
    dcontext: 'sb-extension-dial',
    channel: 'PJSIP/1002-00000000',
    dstchannel: '',
    lastapp: 'Dial',
    lastdata: 'PJSIP/1001,30',
    duration: 20,
    billsec: 20,
    disposition: 'ANSWERED',
    accountcode: '',
    peeraccount: '',
    userfield: '',
  });

const t = useTestDb();
const log = createLogger('silent');
let dir: string;
let celFile: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sb-calldata-'));
  await mkdir(join(dir, 'cel-custom'));
  await mkdir(join(dir, 'cdr-custom'));
  celFile = join(dir, 'cel-custom', 'switchboard-cel.json');
  await t.db('calldata_sources').del();
  await t.db('cel_events').del();
  await t.db('cdr_records').del();
  await t.db('queue_log_events').del();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const celCount = async () => Number((await t.db('cel_events').count({ n: '*' }))[0]?.n);

describe('call-data ingestion', () => {
  it('reads every complete line once, and a line Asterisk is still writing only once it is complete', async () => {
    const line3 = cel('HANGUP', 1796159450.3);
    await writeFile(
      celFile,
      `${cel('CHAN_START', 1796159430.1)}\n${cel('ANSWER', 1796159430.2)}\n${line3.slice(0, 40)}`,
    );
    expect((await ingestOnce(t.db, dir, log)).records).toBe(2);
    expect(await celCount()).toBe(2);
    await appendFile(celFile, `${line3.slice(40)}\n`);
    expect((await ingestOnce(t.db, dir, log)).records).toBe(1);
    expect((await ingestOnce(t.db, dir, log)).records).toBe(0);
    const types = (await t.db('cel_events').orderBy('id').select('eventtype')).map((r) => r.eventtype);
    expect(types).toEqual(['CHAN_START', 'ANSWER', 'HANGUP']);
  });

  it('keeps what Asterisk wrote while Switchboard was away: the next run starts at the stored offset', async () => {
    await writeFile(celFile, `${cel('CHAN_START', 1796159430.1)}\n`);
    await ingestOnce(t.db, dir, log);
    // "Switchboard down": Asterisk keeps appending.
    for (let i = 0; i < 50; i++)
      await appendFile(celFile, `${cel('ANSWER', 1796159431 + i, '', `17961594${i}.1`)}\n`);
    expect((await ingestOnce(t.db, dir, log)).records).toBe(50);
    expect(await celCount()).toBe(51);
    const [status] = (await ingestStatus(t.db, dir)).filter((s) => s.name === 'cel');
    expect(status).toMatchObject({ records: 51, lagBytes: 0 });
  });

  it('inserts each line once when several ingests run at the same time', async () => {
    const lines = Array.from({ length: 300 }, (_, i) => cel('CHAN_START', 1796159430 + i, '', `1796${i}.5`));
    await writeFile(celFile, `${lines.join('\n')}\n`);
    // Small chunks make the three runs race over many transactions.
    await Promise.all([1, 2, 3].map(() => ingestOnce(t.db, dir, log, { chunkBytes: 4096 })));
    expect(await celCount()).toBe(300);
    const distinct = await t.db('cel_events').countDistinct({ n: 'linkedid' });
    expect(Number(distinct[0]?.n)).toBe(300);
  });

  it('finishes a rotated file before reading the new one', async () => {
    await writeFile(celFile, `${cel('CHAN_START', 1796159430.1)}\n`);
    await ingestOnce(t.db, dir, log);
    await appendFile(celFile, `${cel('ANSWER', 1796159430.2)}\n`);
    await rename(celFile, `${celFile}.1`);
    await writeFile(celFile, `${cel('HANGUP', 1796159450.3)}\n`);
    expect((await ingestOnce(t.db, dir, log)).records).toBe(2);
    const types = (await t.db('cel_events').orderBy('id').select('eventtype')).map((r) => r.eventtype);
    expect(types).toEqual(['CHAN_START', 'ANSWER', 'HANGUP']);
  });

  it('reads a truncated file again from its start', async () => {
    await writeFile(celFile, `${cel('CHAN_START', 1796159430.1)}\n${cel('ANSWER', 1796159430.2)}\n`);
    await ingestOnce(t.db, dir, log);
    await truncate(celFile, 0);
    await appendFile(celFile, `${cel('HANGUP', 1796159450.3)}\n`);
    expect((await ingestOnce(t.db, dir, log)).records).toBe(1);
    expect(await celCount()).toBe(3);
  });

  it('skips and counts a line that is not a record, keeping the lines around it', async () => {
    await writeFile(
      celFile,
      `${cel('CHAN_START', 1796159430.1)}\n{"eventtype": oops\n${cel('HANGUP', 1796159450.3)}\n`,
    );
    expect(await ingestOnce(t.db, dir, log)).toEqual({ records: 2, badLines: 1 });
    expect((await t.db('calldata_sources').where({ name: 'cel' }).first())?.bad_lines).toBe(1);
  });

  it('stores user-event extras plain, an unanswered CDR without answer time, and queue_log fields split', async () => {
    await writeFile(celFile, `${cel('SB_VOICEMAIL', 1796159450.4, '1001:SUCCESS')}\n`);
    await writeFile(join(dir, 'cdr-custom', 'switchboard-cdr.json'), `${cdr(0)}\n`);
    await writeFile(
      join(dir, 'queue_log'),
      '1796159417|NONE|NONE|NONE|QUEUESTART|\n1796159500|1796159490.7|sb-queue-700|NONE|ENTERQUEUE||3225551234|1\n',
    );
    expect((await ingestOnce(t.db, dir, log)).records).toBe(4);
    expect(await t.db('cel_events').first()).toMatchObject({
      eventtype: 'SB_VOICEMAIL',
      eventextra: '1001:SUCCESS',
    });
    const row = await t.db('cdr_records').first();
    expect(row).toMatchObject({ answer: null, src: '1002', billsec: 20, disposition: 'ANSWERED' });
    expect(row?.start.toISOString()).toBe('2026-12-01T21:10:30.138Z');
    expect(await t.db('queue_log_events').where({ event: 'ENTERQUEUE' }).first()).toMatchObject({
      callid: '1796159490.7',
      queuename: 'sb-queue-700',
      data1: '',
      data2: '3225551234',
      data3: '1',
    });
  });
});

describe('skipping the history already in the files', () => {
  it('starts a database that has never read the files at their end, and later starts keep their offsets', async () => {
    await writeFile(celFile, `${cel('CHAN_START', 1796159430.1)}\n`);
    await skipExistingCallData(t.db, dir);
    await appendFile(celFile, `${cel('HANGUP', 1796159450.3)}\n`);
    expect((await ingestOnce(t.db, dir, log)).records).toBe(1);
    await appendFile(celFile, `${cel('LINKEDID_END', 1796159450.4)}\n`);
    await skipExistingCallData(t.db, dir);
    expect((await ingestOnce(t.db, dir, log)).records).toBe(1);
    const types = (await t.db('cel_events').orderBy('id').select('eventtype')).map((r) => r.eventtype);
    expect(types).toEqual(['HANGUP', 'LINKEDID_END']);
  });
});
