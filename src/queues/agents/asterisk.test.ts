import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AsteriskCli } from '../../asterisk/cli';
import { CliControl } from '../../asterisk/control';
import { memberLabel, parseQueueShow, queueCommands } from './asterisk';

// Output captured from Asterisk 22.10 (`queue show`), with a caller added as 22.10 prints it.
const SHOWN = `sb-queue-99 has 1 calls (max unlimited) in 'rrmemory' strategy (0s holdtime, 0s talktime), W:0, C:0, A:0, SL:0.0%, SL2:0.0% within 0s
   Members: 
      Bob_B (PJSIP/2002) with penalty 3 (ringinuse disabled) (dynamic) (paused:lunch break was 1 secs ago) (Invalid) has taken no calls yet (login was 2 secs ago)
      Alice Smith (PJSIP/2001) (ringinuse disabled) (in call) (In use) has taken 4 calls (last was 12 secs ago) (login was 2 secs ago)
   Callers: 
      1. PJSIP/trunk-test-carrier-00000007 (wait: 1:05, prio: 10)

sb-queue-700 has 0 calls (max 5) in 'leastrecent' strategy (0s holdtime, 0s talktime), W:0, C:0, A:0, SL:0.0%, SL2:0.0% within 0s
   No Members
   No Callers
`;

describe('parseQueueShow', () => {
  it('reads members (name, interface, penalty, dynamic, pause with its reason, state, calls) and callers', () => {
    const queues = parseQueueShow(SHOWN);
    expect([...queues.keys()]).toEqual(['sb-queue-99', 'sb-queue-700']);
    const q = queues.get('sb-queue-99')!;
    expect(q.strategy).toBe('rrmemory');
    expect(q.members).toEqual([
      {
        name: 'Bob_B',
        interface: 'PJSIP/2002',
        extension: '2002',
        penalty: 3,
        dynamic: true,
        paused: true,
        pauseReason: 'lunch break',
        deviceState: 'Invalid',
        inCall: false,
        callsTaken: 0,
        lastCallSecondsAgo: null,
      },
      {
        name: 'Alice Smith',
        interface: 'PJSIP/2001',
        extension: '2001',
        penalty: 0,
        dynamic: false,
        paused: false,
        pauseReason: null,
        deviceState: 'In use',
        inCall: true,
        callsTaken: 4,
        lastCallSecondsAgo: 12,
      },
    ]);
    expect(q.callers).toEqual([
      { position: 1, channel: 'PJSIP/trunk-test-carrier-00000007', waitSeconds: 65, priority: 10 },
    ]);
    expect(queues.get('sb-queue-700')).toEqual({
      name: 'sb-queue-700',
      strategy: 'leastrecent',
      members: [],
      callers: [],
    });
  });
});

// The commands run through a CLI that appends its command line to a file and answers as Asterisk
// does when the change is made: the file holds what Asterisk would get.
let dir: string;
let echo: CliControl;
const sent = () => readFileSync(join(dir, 'commands'), 'utf8').replace(/\n$/, '');

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sb-queue-cli-'));
  echo = new CliControl(
    new AsteriskCli([
      'sh',
      '-c',
      'printf "%s\\n" "$1" >> "$0"; echo "Added interface; paused interface"',
      join(dir, 'commands'),
    ]),
  );
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('queue CLI commands', () => {
  it('quote a validated reason and refuse anything that could extend the command', async () => {
    await queueCommands.pause(echo, '700', '2001', 'lunch break');
    expect(sent()).toBe('queue pause member PJSIP/2001 queue sb-queue-700 reason "lunch break"');
    for (const reason of ['a"b', 'x;y', 'x\nqueue remove', '${X}', '']) {
      await expect(queueCommands.pause(echo, '700', '2001', reason)).rejects.toThrow(/refusing/);
    }
    await expect(queueCommands.remove(echo, '700 from x', '2001')).rejects.toThrow(/refusing/);
    await expect(queueCommands.add(echo, '700', '2001 to', 0, 'A')).rejects.toThrow(/refusing/);
    expect(sent().split('\n')).toHaveLength(1);
  });

  it('reduces a display name to one CLI word', async () => {
    expect(memberLabel('Zoë  O\'Brien "x"', '2001')).toBe('Zo_OBrien_x');
    expect(memberLabel('!!!', '2001')).toBe('2001');
    await queueCommands.add(echo, '700', '2001', 2, 'Ann Lee');
    expect(sent()).toBe(
      'queue add member PJSIP/2001 to sb-queue-700 penalty 2 as Ann_Lee state_interface PJSIP/2001',
    );
  });

  it('rejects when Asterisk answers that the change was not made', async () => {
    const refusing = new CliControl(
      new AsteriskCli([
        'sh',
        '-c',
        "echo \"Unable to add interface 'PJSIP/2001' to queue 'sb-queue-700': No such queue\"",
      ]),
    );
    await expect(queueCommands.add(refusing, '700', '2001', 0, 'A')).rejects.toThrow(/No such queue/);
    await expect(queueCommands.pause(refusing, '700', '2001', 'x')).rejects.toThrow(/Asterisk answered/);
  });
});
