import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanRun } from '../runner/secret-scan';
import { noteSecretsIn, noteSecretsInCsv } from '../support/secret-ledger';

// The runner's last step (test/runner/secret-scan.ts) on a run folder laid out as the lanes lay it
// out: it must find a planted secret wherever a log of the run can be, and only there.
const run = mkdtempSync(join(tmpdir(), 'sb-scan-'));
afterAll(() => rmSync(run, { recursive: true, force: true }));

function put(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

it('finds every secret the ledger holds in any log of the run, and nothing else', () => {
  const lane = {
    sandboxDir: join(run, 'lane-1'),
    carrierDir: join(run, 'lane-1-carrier'),
    tmpDir: join(run, 'lane-1-tmp'),
  };
  // The ledger, as the helpers write it (TEST_RUN_DIR is the run folder).
  const saved = { run: process.env['TEST_RUN_DIR'], lane: process.env['TEST_LANE'] };
  process.env['TEST_RUN_DIR'] = run;
  process.env['TEST_LANE'] = '1';
  try {
    noteSecretsIn({
      number: '1001',
      sip_secret: 'sipSecretInSwitchboardLog',
      nested: { password: 'trunkPassInAsteriskLog' },
    });
    noteSecretsIn({ items: [{ token: 'tokenInSippTrace-abc' }], pin: '4711' });
    noteSecretsIn({ new_pin: '837261', smtp_password: 'neverLoggedAnywhere' });
    noteSecretsInCsv('number,display_name,sip_secret\r\n1002,Bob,csvSecretInCarrierLog\r\n');
  } finally {
    process.env['TEST_RUN_DIR'] = saved.run;
    process.env['TEST_LANE'] = saved.lane;
    if (saved.run === undefined) delete process.env['TEST_RUN_DIR'];
    if (saved.lane === undefined) delete process.env['TEST_LANE'];
  }
  put(join(run, 'logs', 'switchboard-lane-1.log'), '{"msg":"a"}\n{"msg":"x sipSecretInSwitchboardLog y"}\n');
  put(join(lane.sandboxDir, 'var/log/asterisk/messages.log'), 'WARNING auth trunkPassInAsteriskLog\n');
  put(join(lane.carrierDir, 'var/log/asterisk/cel-custom/Master.csv'), '"x","csvSecretInCarrierLog"\n');
  put(join(lane.tmpDir, 'sb-sipp-a/uac_messages.log'), 'Authorization: tokenInSippTrace-abc\n');
  // A phone's account file must hold its password: not a log, not searched.
  put(join(lane.tmpDir, 'sb-sipp-a/accounts'), 'neverLoggedAnywhere\n');
  // Digit-only values only as whole numbers (1837261999 is a timestamp, not the PIN); 4-digit PINs
  // are too short to search.
  // Nor where logs put thread and process ids, inside a decimal (a timestamp's microseconds) or
  // before an @ (sipp's Call-ID holds its pid), which a PIN can equal by chance.
  put(
    join(run, 'logs', 'lane-1.out'),
    'time 1837261999 port 4711\nPIN was 837261.\n[2026-12-07 21:24:18.342] NOTICE[837261] pbx.c: x\n{"pid":837261}\nEventTV="2026-12-07T23:24:01.837261+0000" 837261.5\n(callid: 1-837261@127.0.0.1)\n',
  );

  const scan = scanRun(run, [lane]);
  expect(scan.secrets).toBe(6);
  expect(scan.files).toBe(5);
  expect(scan.leaks.map((l) => [l.file.slice(run.length + 1), l.line, l.hint]).sort()).toEqual(
    [
      ['lane-1-carrier/var/log/asterisk/cel-custom/Master.csv', 1, 'cs… (21 characters)'],
      ['lane-1-tmp/sb-sipp-a/uac_messages.log', 1, 'to… (20 characters)'],
      ['lane-1/var/log/asterisk/messages.log', 1, 'tr… (22 characters)'],
      ['logs/lane-1.out', 2, '83… (6 characters)'],
      ['logs/switchboard-lane-1.log', 2, 'si… (25 characters)'],
    ].sort(),
  );
});
