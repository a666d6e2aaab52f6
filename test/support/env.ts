import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { noteSecret } from './secret-ledger';

// Facts about the test machine, exported by scripts/test.sh before jest starts.
export const testEnv = {
  mysqlServer: process.env['TEST_MYSQL_SERVER'] ?? 'mysql://root@127.0.0.1:3306',
  ariUrl: process.env['ARI_URL'] ?? 'http://127.0.0.1:8088',
  ariUsername: process.env['ARI_USERNAME'] ?? 'switchboard',
  ariPassword: process.env['ARI_PASSWORD'] ?? '',
  sipPort: Number(process.env['SIP_PORT'] ?? 5060),
  sandboxDir: process.env['SANDBOX_DIR'] ?? '/var/cache/switchboard/asterisk-sid',
  asteriskConfigDir: process.env['ASTERISK_CONFIG_DIR'] ?? '',
  asteriskSpoolDir:
    process.env['ASTERISK_SPOOL_DIR'] ??
    `${process.env['SANDBOX_DIR'] ?? '/var/cache/switchboard/asterisk-sid'}/var/spool/asterisk`,
  asteriskSoundsDir:
    process.env['ASTERISK_SOUNDS_DIR'] ??
    `${process.env['SANDBOX_DIR'] ?? '/var/cache/switchboard/asterisk-sid'}/usr/share/asterisk/sounds`,
  asteriskLogDir:
    process.env['ASTERISK_LOG_DIR'] ??
    `${process.env['SANDBOX_DIR'] ?? '/var/cache/switchboard/asterisk-sid'}/var/log/asterisk`,
  // Switchboard's state directory (its secrets.key): one per run (the runner sets it), so every
  // Switchboard a run starts, in process or as a child, reads the same key.
  stateDir: process.env['SWITCHBOARD_STATE_DIR'] ?? join(tmpdir(), 'sb-test-state'),
  sandboxScript: `${__dirname}/../../scripts/asterisk-sandbox.sh`,
  // The sandbox's AMI (TLS on 127.0.0.1:AMI_PORT), set by the runner for every lane.
  ami: {
    url: `tls://127.0.0.1:${process.env['AMI_PORT'] ?? '5039'}`,
    secret: process.env['AMI_SECRET'] ?? '',
    ca: process.env['AMI_TLS_CA'] ?? '',
  },
  // `ami`: every Switchboard a suite starts reaches Asterisk as if from another host, the AMI and
  // ARI only; its CLI prefix names a program that does not exist, so a stray CLI use fails.
  asteriskControl: process.env['TEST_ASTERISK_CONTROL'] === 'ami' ? ('ami' as const) : ('cli' as const),
};

// The settings of a Switchboard that reaches Asterisk over the network only.
export function remoteAsteriskEnv(): Record<string, string> {
  if (!testEnv.ami.secret) throw new Error('AMI_SECRET is unset: run the suite through test/runner/lanes.ts');
  // Switchboard holds it from here on: the run's logs are searched for it like any secret.
  noteSecret(testEnv.ami.secret);
  return {
    ASTERISK_CONTROL: 'ami',
    AMI_URL: testEnv.ami.url,
    AMI_SECRET: testEnv.ami.secret,
    AMI_TLS_CA: testEnv.ami.ca,
    ASTERISK_CLI: '/nonexistent/asterisk -rx',
  };
}

export function requireAsterisk(): void {
  if (!testEnv.ariPassword || !testEnv.asteriskConfigDir) {
    throw new Error(
      'ARI_PASSWORD and ASTERISK_CONFIG_DIR are unset: run the suite with `npm test` (scripts/test.sh)',
    );
  }
}

// Media peers (sipp, baresip) pace RTP in real time. The runner starts each lane's jest at a
// lower priority (nice 10); peers are spawned through this prefix so they run at nice -5, like
// the sandbox's Asterisk, and a busy machine stretches the control plane's work, not the audio a
// phone sends or the prompts Asterisk plays.
export const MEDIA_PRIORITY: readonly string[] = ['nice', '-n', String(-5 - getPriority())];
