import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AsteriskCli, CliArgumentError, cliCommands, parseRegistrations } from './cli';

// The CLI command builders: every argument is checked against a strict pattern, and a refused
// value throws before any process starts. The CLI here is a shell that appends each command line
// it gets to a file, so what would have reached Asterisk is what the file holds.

let dir: string;
let log: string;
let cli: AsteriskCli;
const ran = () => readFileSync(log, 'utf8').split('\n').filter(Boolean);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sb-cli-'));
  log = join(dir, 'commands');
  writeFileSync(log, '');
  cli = new AsteriskCli(['sh', '-c', 'printf "%s\\n" "$1" >> "$0"; echo ok', log]);
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

// Values that must never reach a command line: quotes, backslashes, newlines, other commands.
const HOSTILE = [
  '',
  'a b',
  'a"b',
  "a'b",
  'a\\b',
  'a\nb',
  'a\rb',
  'a;b',
  'a$b',
  '${X}',
  'a`b`',
  'a|b',
  'a&b',
  'a%b',
  'x'.repeat(200),
];

describe('cliCommands', () => {
  it('build the command lines Switchboard has always sent', () => {
    expect(cliCommands.pjsipShowRegistrations()).toBe('pjsip show registrations');
    expect(cliCommands.queueShow()).toBe('queue show');
    expect(cliCommands.queueShow('sb-queue-700')).toBe('queue show sb-queue-700');
    expect(
      cliCommands.queueAddMember('sb-queue-700', 'PJSIP/2001', {
        penalty: 2,
        memberName: 'Ann_Lee',
        stateInterface: 'PJSIP/2001',
      }),
    ).toBe('queue add member PJSIP/2001 to sb-queue-700 penalty 2 as Ann_Lee state_interface PJSIP/2001');
    expect(cliCommands.queueRemoveMember('sb-queue-700', 'PJSIP/2001')).toBe(
      'queue remove member PJSIP/2001 from sb-queue-700',
    );
    expect(cliCommands.queuePauseMember('sb-queue-700', 'PJSIP/2001', 'lunch break')).toBe(
      'queue pause member PJSIP/2001 queue sb-queue-700 reason "lunch break"',
    );
    expect(cliCommands.queueUnpauseMember('sb-queue-700', 'PJSIP/2001')).toBe(
      'queue unpause member PJSIP/2001 queue sb-queue-700',
    );
    expect(cliCommands.queueSetPenalty('sb-queue-700', 'PJSIP/2001', 0)).toBe(
      'queue set penalty 0 on PJSIP/2001 in sb-queue-700',
    );
    expect(cliCommands.databasePut('sb', 'block/1001/+3225550000', '1')).toBe(
      'database put sb block/1001/+3225550000 1',
    );
    expect(cliCommands.databaseDel('sb', 'dnd/1001')).toBe('database del sb dnd/1001');
    expect(cliCommands.databaseShow('sb')).toBe('database show sb');
    const contact = `1001;@${'0123456789abcdef'.repeat(2)}`;
    expect(cliCommands.databaseDel('registrar', `contact/${contact}`)).toBe(
      `database del registrar contact/${contact}`,
    );
    expect(cliCommands.databaseKeysWithPrefix('registrar', 'contact/1001;@')).toBe(
      `database query "SELECT key FROM astdb WHERE key LIKE '/registrar/contact/1001;@%'"`,
    );
  });

  it('refuse every hostile value in every argument, naming what was refused', () => {
    const cases: Array<[string, (v: string) => unknown]> = [
      ['queue name', (v) => cliCommands.queueShow(v)],
      ['member interface', (v) => cliCommands.queueRemoveMember('sb-queue-700', v)],
      [
        'member name',
        (v) =>
          cliCommands.queueAddMember('sb-queue-700', 'PJSIP/2001', {
            penalty: 0,
            memberName: v,
            stateInterface: 'PJSIP/2001',
          }),
      ],
      [
        'member interface',
        (v) =>
          cliCommands.queueAddMember('sb-queue-700', 'PJSIP/2001', {
            penalty: 0,
            memberName: 'a',
            stateInterface: v,
          }),
      ],
      ['astdb family', (v) => cliCommands.databaseShow(v)],
      ['astdb key', (v) => cliCommands.databaseDel('sb', v)],
      ['astdb value', (v) => cliCommands.databasePut('sb', 'dnd/1001', v)],
      ['astdb key prefix', (v) => cliCommands.databaseKeysWithPrefix('registrar', v)],
    ];
    for (const [what, build] of cases) {
      for (const value of HOSTILE) {
        expect(() => build(value)).toThrow(CliArgumentError);
        expect(() => build(value)).toThrow(`refusing ${what} ${JSON.stringify(value)}`);
      }
    }
    // The pause reason is quoted, so it may hold spaces; nothing that could end the quotes.
    for (const value of HOSTILE.filter((v) => v !== 'a b')) {
      expect(() => cliCommands.queuePauseMember('sb-queue-700', 'PJSIP/2001', value)).toThrow(
        /refusing pause reason/,
      );
    }
  });

  it('refuse malformed keys, prefixes and penalties that use only allowed characters', () => {
    for (const key of ['/dnd/1001', 'dnd//1001', 'dnd/1001/', 'contact/1001;@xyz', 'contact/1001;@']) {
      expect(() => cliCommands.databaseDel('sb', key)).toThrow(/refusing astdb key/);
    }
    // _ and % are SQL LIKE wildcards: a prefix could match more than it names.
    for (const prefix of ['contact/10_1', 'contact/%', '/contact', 'contact//1001', 'contact/1001@']) {
      expect(() => cliCommands.databaseKeysWithPrefix('registrar', prefix)).toThrow(
        /refusing astdb key prefix/,
      );
    }
    for (const penalty of [-1, 1.5, Number.NaN, 100_000]) {
      expect(() => cliCommands.queueSetPenalty('sb-queue-700', 'PJSIP/2001', penalty)).toThrow(
        /refusing penalty/,
      );
    }
    for (const iface of ['PJSIP', 'PJSIP/', '/2001', 'PJSIP/2001/x', 'Local/1@ctx']) {
      expect(() => cliCommands.queueUnpauseMember('sb-queue-700', iface)).toThrow(
        /refusing member interface/,
      );
    }
  });
});

describe('AsteriskCli', () => {
  it('runs a checked command as one argument and answers its output', async () => {
    expect(await cli.queuePauseMember('sb-queue-700', 'PJSIP/2001', 'lunch break')).toBe('ok\n');
    expect(await cli.databasePut('sb', 'cfu/1001', '1002')).toBe('ok\n');
    expect(ran()).toEqual([
      'queue pause member PJSIP/2001 queue sb-queue-700 reason "lunch break"',
      'database put sb cfu/1001 1002',
    ]);
  });

  it('rejects a bad argument before anything runs', async () => {
    await expect(cli.databasePut('sb', 'dnd/1001', '1\ndatabase deltree sb')).rejects.toThrow(
      CliArgumentError,
    );
    await expect(cli.databaseDel('sb', 'dnd/1001 x')).rejects.toThrow(/refusing astdb key/);
    await expect(cli.queueShow('sb-queue-700;')).rejects.toThrow(/refusing queue name/);
    await expect(cli.queuePauseMember('sb-queue-700', 'PJSIP/2001', 'x" y')).rejects.toThrow(
      /refusing pause reason/,
    );
    expect(ran()).toEqual([]);
  });

  it('refuses to run without a configured command', async () => {
    await expect(new AsteriskCli([]).pjsipShowRegistrations()).rejects.toThrow(/ASTERISK_CLI is empty/);
  });
});

describe('parseRegistrations', () => {
  it('reads the status of each outbound registration', () => {
    const out = [
      ' <Registration/ServerURI..............................>  <Auth....................>  <Status.......>',
      ' ==========================================================================================',
      ' trunk-a/sip:127.0.0.2:5060                              trunk-a-auth                Registered        (exp. 95s)',
      ' trunk-b/sip:127.0.0.3:5060                              trunk-b-auth                Rejected',
    ].join('\n');
    expect(parseRegistrations(out)).toEqual([
      { id: 'trunk-a', status: 'Registered', detail: '(exp. 95s)' },
      { id: 'trunk-b', status: 'Rejected', detail: '' },
    ]);
  });
});
