import { queuesFromStatus } from '../../src/asterisk/ami';
import { loadConfig } from '../../src/config';

// Which way Switchboard controls Asterisk, from its settings; and QueueStatus events read as the
// queue view the CLI's `queue show` gives (the live runs are in test/e2e/remote-asterisk.test.ts).

const base = { ARI_PASSWORD: 'x', DATABASE_URL: 'mysql://u@h/db' };

describe('ASTERISK_CONTROL', () => {
  it('is the CLI unless the AMI is configured', () => {
    expect(loadConfig(base).asteriskControl).toEqual({ via: 'cli' });
    expect(
      loadConfig({ ...base, AMI_URL: 'tls://10.0.0.5:5039', AMI_SECRET: 's', AMI_TLS_CA: '/ca.pem' })
        .asteriskControl,
    ).toEqual({
      via: 'ami',
      url: 'tls://10.0.0.5:5039',
      username: 'switchboard',
      secret: 's',
      caFile: '/ca.pem',
    });
    expect(
      loadConfig({ ...base, ASTERISK_CONTROL: 'cli', AMI_URL: 'tls://10.0.0.5:5039', AMI_SECRET: 's' })
        .asteriskControl,
    ).toEqual({ via: 'cli' });
  });

  it('refuses an AMI without a secret, plain TCP to another host, and a malformed URL', () => {
    expect(() => loadConfig({ ...base, ASTERISK_CONTROL: 'ami', AMI_URL: 'tls://h:5039' })).toThrow(
      /AMI_SECRET/,
    );
    expect(() => loadConfig({ ...base, AMI_URL: 'tcp://10.0.0.5:5038', AMI_SECRET: 's' })).toThrow(
      /loopback/,
    );
    expect(
      loadConfig({ ...base, AMI_URL: 'tcp://127.0.0.1:5038', AMI_SECRET: 's' }).asteriskControl.via,
    ).toBe('ami');
    expect(() => loadConfig({ ...base, AMI_URL: 'tls://h:5039/x\nAction: y', AMI_SECRET: 's' })).toThrow(
      /AMI_URL/,
    );
  });

  it('takes plain TCP to a loopback address only, not to a name that merely starts like one', () => {
    const via = (AMI_URL: string) => loadConfig({ ...base, AMI_URL, AMI_SECRET: 's' }).asteriskControl.via;
    for (const url of [
      'tcp://127.0.0.1:5038',
      'tcp://127.8.9.10:5038',
      'tcp://[::1]:5038',
      'tcp://[0:0:0:0:0:0:0:1]:5038',
      'tcp://localhost:5038',
    ])
      expect(via(url)).toBe('ami');
    for (const url of [
      'tcp://127.evil.example:5038',
      'tcp://127.0.0.1.evil.example:5038',
      'tcp://localhost.evil.example:5038',
      'tcp://[::ffff:127.0.0.1]:5038',
      'tcp://[::2]:5038',
      'tcp://0177.0.0.1:5038',
      'tcp://128.0.0.1:5038',
    ])
      expect(() => via(url)).toThrow(/loopback/);
    // TLS may go anywhere: the name is checked against the certificate.
    expect(via('tls://127.evil.example:5039')).toBe('ami');
  });

  it('refuses a secret or user name that would inject AMI headers into Login', () => {
    const ami = { ...base, AMI_URL: 'tls://10.0.0.5:5039' };
    for (const secret of ['s\r\nAction: Originate', 's\nx', 'a\tb', 's\u0000', 's\u007f'])
      expect(() => loadConfig({ ...ami, AMI_SECRET: secret })).toThrow(/AMI_SECRET/);
    expect(() => loadConfig({ ...ami, AMI_SECRET: 's', AMI_USERNAME: 'sb\r\nAction: Originate' })).toThrow(
      /AMI_USERNAME/,
    );
    // Spaces and punctuation are fine in a secret.
    const ok = loadConfig({ ...ami, AMI_SECRET: 'a b:c#"d\'é' }).asteriskControl;
    expect(ok.via === 'ami' && ok.secret).toBe('a b:c#"d\'é');
  });
});

describe('queuesFromStatus', () => {
  it('reads QueueStatus events as `queue show` does', () => {
    const now = 1_800_000_000;
    const queues = queuesFromStatus(
      [
        { event: 'QueueParams', queue: 'sb-queue-700', strategy: 'rrmemory' },
        {
          event: 'QueueMember',
          queue: 'sb-queue-700',
          name: 'Ann_Lee',
          location: 'PJSIP/2001',
          membership: 'dynamic',
          penalty: '2',
          callstaken: '3',
          lastcall: String(now - 12),
          incall: '0',
          status: '1',
          paused: '1',
          pausedreason: 'lunch break',
        },
        {
          event: 'QueueMember',
          queue: 'sb-queue-700',
          name: 'PJSIP/2002',
          location: 'PJSIP/2002',
          membership: 'static',
          penalty: '0',
          callstaken: '0',
          lastcall: '0',
          incall: '1',
          status: '2',
          paused: '0',
          pausedreason: '',
        },
        {
          event: 'QueueEntry',
          queue: 'sb-queue-700',
          position: '2',
          channel: 'PJSIP/b-2',
          wait: '5',
          priority: '0',
        },
        {
          event: 'QueueEntry',
          queue: 'sb-queue-700',
          position: '1',
          channel: 'PJSIP/a-1',
          wait: '65',
          priority: '10',
        },
        { event: 'QueueParams', queue: 'sb-queue-701', strategy: 'ringall' },
      ],
      now,
    );
    expect([...queues.keys()]).toEqual(['sb-queue-700', 'sb-queue-701']);
    const q = queues.get('sb-queue-700')!;
    expect(q.strategy).toBe('rrmemory');
    expect(q.members).toEqual([
      {
        name: 'Ann_Lee',
        interface: 'PJSIP/2001',
        extension: '2001',
        penalty: 2,
        dynamic: true,
        paused: true,
        pauseReason: 'lunch break',
        deviceState: 'Not in use',
        inCall: false,
        callsTaken: 3,
        lastCallSecondsAgo: 12,
      },
      {
        name: 'PJSIP/2002',
        interface: 'PJSIP/2002',
        extension: '2002',
        penalty: 0,
        dynamic: false,
        paused: false,
        pauseReason: null,
        deviceState: 'In use',
        inCall: true,
        callsTaken: 0,
        lastCallSecondsAgo: null,
      },
    ]);
    expect(q.callers.map((c) => [c.position, c.channel, c.waitSeconds, c.priority])).toEqual([
      [1, 'PJSIP/a-1', 65, 10],
      [2, 'PJSIP/b-2', 5, 0],
    ]);
    expect(queues.get('sb-queue-701')).toEqual({
      name: 'sb-queue-701',
      strategy: 'ringall',
      members: [],
      callers: [],
    });
  });
});
