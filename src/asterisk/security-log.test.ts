import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../lib/log';
import { parseSecurityLine, remoteAddress, type SecurityFailure, SecurityLogWatcher } from './security-log';

// Lines as Asterisk 22's res_security_log writes them through the `security` logger channel.
const line = (event: string, remote: string, extra = '') =>
  `[2026-12-07 21:00:00.123] SECURITY[4242] res_security_log.c: SecurityEvent="${event}",EventTV="2026-12-07T21:00:00.123+0000",Severity="Error",Service="PJSIP",EventVersion="1",AccountID="1001",SessionID="1-abc@127.0.0.1",LocalAddress="IPV4/UDP/127.0.0.1/5060",RemoteAddress="${remote}"${extra}`;

describe('security log parser', () => {
  it.each([
    ['ChallengeResponseFailed', ',Challenge="5f2a",ReceivedChallenge="5f2a",ReceivedHash="abc"'],
    ['InvalidAccountID', ''],
    ['FailedACL', ',ACLName="sb-bans"'],
    ['InvalidPassword', ''],
  ])('reads a %s event with its remote address', (event, extra) => {
    expect(parseSecurityLine(line(event, 'IPV4/UDP/127.0.0.5/5062', extra))).toEqual({
      event,
      address: '127.0.0.5',
      service: 'PJSIP',
      account: '1001',
    });
  });

  it('ignores the normal steps of a REGISTER and lines that are not security events', () => {
    expect(parseSecurityLine(line('ChallengeSent', 'IPV4/UDP/127.0.0.5/5062'))).toBeNull();
    expect(parseSecurityLine(line('SuccessfulAuth', 'IPV4/UDP/127.0.0.5/5062'))).toBeNull();
    expect(parseSecurityLine('[2026-12-07 21:00:00.123] NOTICE[1] res_pjsip.c: hello')).toBeNull();
    expect(parseSecurityLine('')).toBeNull();
  });

  it('takes IPv6 and TCP addresses, and refuses anything that is not an address', () => {
    expect(remoteAddress('IPV6/TCP/2001:db8::7/5061')).toBe('2001:db8::7');
    expect(remoteAddress('IPV6/UDP/[::1]/5060')).toBe('::1');
    expect(remoteAddress('IPV4/UDP/not-an-ip/5060')).toBeNull();
    expect(remoteAddress('IPV4/UDP/127.0.0.5')).toBeNull();
    expect(remoteAddress(undefined)).toBeNull();
    expect(parseSecurityLine(line('InvalidAccountID', 'IPV4/UDP/1.2.3.4;rm/5060'))).toBeNull();
  });

  it('keeps quoted values with escaped quotes and commas apart from the next field', () => {
    const l = line('InvalidAccountID', 'IPV4/UDP/10.0.0.9/5060').replace(
      'AccountID="1001"',
      'AccountID="a\\"b,c"',
    );
    expect(parseSecurityLine(l)).toMatchObject({ address: '10.0.0.9', account: 'a\\"b,c' });
  });
});

describe('security log watcher', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sb-seclog-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('starts at the end, reads appends and half-written lines, and follows truncation and rotation', async () => {
    const path = join(dir, 'security.log');
    writeFileSync(path, `${line('InvalidAccountID', 'IPV4/UDP/10.0.0.1/5060')}\n`);
    const seen: SecurityFailure[] = [];
    const watcher = new SecurityLogWatcher(path, (f) => seen.push(f), createLogger('silent'), 60_000);
    await watcher.start();
    await watcher.drain();
    expect(seen).toEqual([]);

    const whole = line('InvalidAccountID', 'IPV4/UDP/10.0.0.2/5060');
    appendFileSync(path, `${whole}\n${whole.slice(0, 40)}`);
    await watcher.drain();
    expect(seen.map((f) => f.address)).toEqual(['10.0.0.2']);
    appendFileSync(path, `${whole.slice(40)}\n`);
    await watcher.drain();
    expect(seen.map((f) => f.address)).toEqual(['10.0.0.2', '10.0.0.2']);

    truncateSync(path, 0);
    appendFileSync(path, `${line('FailedACL', 'IPV4/UDP/10.0.0.3/5060')}\n`);
    await watcher.drain();
    expect(seen.map((f) => f.address)).toEqual(['10.0.0.2', '10.0.0.2', '10.0.0.3']);

    renameSync(path, `${path}.1`);
    writeFileSync(path, `${line('ChallengeResponseFailed', 'IPV4/UDP/10.0.0.4/5060')}\n`);
    await watcher.drain();
    expect(seen.map((f) => f.address)).toEqual(['10.0.0.2', '10.0.0.2', '10.0.0.3', '10.0.0.4']);
    await watcher.stop();
  });

  it('reads a flood larger than one read in bounded chunks without losing or splitting a line', async () => {
    const path = join(dir, 'security.log');
    writeFileSync(path, '');
    const seen: SecurityFailure[] = [];
    const watcher = new SecurityLogWatcher(path, (f) => seen.push(f), createLogger('silent'), 60_000);
    await watcher.start();
    const flood = `${line('InvalidAccountID', 'IPV4/UDP/10.0.0.9/5060')}\n`.repeat(12_000);
    expect(flood.length).toBeGreaterThan(2 * 1024 * 1024);
    appendFileSync(path, flood);
    await watcher.drain();
    expect(seen).toHaveLength(12_000);
    expect(new Set(seen.map((f) => f.address))).toEqual(new Set(['10.0.0.9']));
    await watcher.stop();
  });
});
