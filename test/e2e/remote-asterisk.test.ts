import { readFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { AmiClient, AmiControl } from '../../src/asterisk/ami';
import { CliArgumentError } from '../../src/asterisk/cli';
import { agentsFor } from '../../src/queues/agents';
import { reconcile } from '../../src/queues/agents/reconcile';
import { createExtensions, useTestApp } from '../support/app';
import { asteriskCli, sandbox, waitFor } from '../support/asterisk';
import { remoteAsteriskEnv, testEnv } from '../support/env';

// Switchboard on another host than Asterisk: no CLI (ASTERISK_CLI names a program that does not
// exist), Asterisk reached through ARI and the AMI over TLS only. Each area that needed the CLI
// is exercised once here, so every CI run proves the network path; the areas' own suites run
// whole in this mode with TEST_ASTERISK_CONTROL=ami (docs/operations/install.md). Asterisk's own
// view is checked from the test side, through its CLI in the sandbox.

const app = useTestApp({ ...remoteAsteriskEnv(), APPLY_DEBOUNCE_MS: '200' });
const ca = () => readFileSync(testEnv.ami.ca, 'utf8');

describe('the AMI user and listener (least privilege)', () => {
  it('is TLS only: nothing listens for plain AMI on 5038', async () => {
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      const s = connect({ host: '127.0.0.1', port: 5038 });
      s.once('connect', () => {
        s.destroy();
        resolve(null);
      });
      s.once('error', resolve);
    });
    expect(err?.code).toBe('ECONNREFUSED');
  });

  it('refuses a certificate it was not told to trust, and a wrong secret', async () => {
    const untrusted = new AmiClient({
      url: testEnv.ami.url,
      username: 'switchboard',
      secret: testEnv.ami.secret,
    });
    await expect(untrusted.action('Ping')).rejects.toThrow(/self.signed|certificate/i);
    await untrusted.close();
    const wrong = new AmiClient({
      url: testEnv.ami.url,
      username: 'switchboard',
      secret: 'not-it',
      ca: ca(),
    });
    await expect(wrong.action('Ping')).rejects.toThrow(/Login: Authentication failed/);
    await wrong.close();
  });

  it('may not run CLI commands, originate or redirect calls, set variables or write config files', async () => {
    const ami = new AmiClient({
      url: testEnv.ami.url,
      username: 'switchboard',
      secret: testEnv.ami.secret,
      ca: ca(),
    });
    try {
      for (const [action, fields] of [
        ['Command', { Command: 'core show version' }],
        ['Originate', { Channel: 'Local/1@default', Application: 'Wait', Data: '1' }],
        ['Redirect', { Channel: 'PJSIP/x', Context: 'x', Exten: '1', Priority: '1' }],
        ['UpdateConfig', { SrcFilename: 'manager.conf', DstFilename: 'manager.conf', Reload: 'no' }],
        ['Setvar', { Variable: 'GLOBAL(X)', Value: '1' }],
      ] as const) {
        const { response } = await ami.action(action, fields);
        expect({ action, answer: response['message'] }).toEqual({ action, answer: 'Permission denied' });
      }
      // What it is for does work.
      expect((await ami.action('QueueStatus')).response['response']).toBe('Success');
    } finally {
      await ami.close();
    }
  });

  it('checks every value before it is sent: no header can be smuggled into an action', async () => {
    const control = new AmiControl({
      url: testEnv.ami.url,
      username: 'switchboard',
      secret: 'unused',
      ca: ca(),
    });
    const hostile = 'x\r\nAction: Originate';
    await expect(control.dbPut('sb', hostile, '1')).rejects.toBeInstanceOf(CliArgumentError);
    await expect(control.queuePauseMember('sb-queue-1', 'PJSIP/1', hostile)).rejects.toBeInstanceOf(
      CliArgumentError,
    );
    await expect(
      control.queueAddMember(hostile, 'PJSIP/1', { penalty: 0, memberName: 'a', stateInterface: 'PJSIP/1' }),
    ).rejects.toBeInstanceOf(CliArgumentError);
    await control.close();
  });
});

describe('a network that goes silent (no RST, as when the Asterisk host vanishes)', () => {
  // A TCP relay in front of the sandbox's AMI; freezing it drops every byte of the connections
  // it holds without closing them, which is what a partition looks like from this side.
  it('drops the connection an action went unanswered on, and reaches Asterisk again on a new one', async () => {
    const target = new URL(testEnv.ami.url);
    const conns: { client: Socket; upstream: Socket; frozen: boolean; closed: Promise<unknown> }[] = [];
    const relay = createServer((client) => {
      const upstream = connect({ host: target.hostname, port: Number(target.port) });
      const conn = { client, upstream, frozen: false, closed: new Promise((r) => client.once('close', r)) };
      conns.push(conn);
      client.on('data', (d) => conn.frozen || upstream.write(d));
      upstream.on('data', (d) => conn.frozen || client.write(d));
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.on('error', () => {});
      upstream.on('error', () => {});
    });
    relay.listen(0, '127.0.0.1');
    await new Promise((r) => relay.once('listening', r));
    const ami = new AmiClient({
      url: `tls://127.0.0.1:${(relay.address() as AddressInfo).port}`,
      username: 'switchboard',
      secret: testEnv.ami.secret,
      ca: ca(),
      timeoutMs: 1_000,
    });
    try {
      expect((await ami.action('Ping')).response['response']).toBe('Success');
      conns[0]!.frozen = true;
      const started = Date.now();
      await expect(ami.action('Ping')).rejects.toThrow(/no answer within 1000 ms/);
      // The client, not the relay or Asterisk, ends the silent connection.
      await conns[0]!.closed;
      expect((await ami.action('Ping')).response['response']).toBe('Success');
      const recovered = Date.now() - started;
      expect(conns).toHaveLength(2);
      expect(recovered).toBeLessThan(3_000);
    } finally {
      await ami.close();
      for (const c of conns) c.client.destroy();
      await new Promise((r) => relay.close(r));
    }
  });
});

describe('Switchboard without the Asterisk CLI', () => {
  beforeAll(async () => {
    expect(app.sb.deps.control.via).toBe('ami');
    await createExtensions(app, ['3101', '3102']);
    const q = await app.api('POST', '/api/v1/queues', {
      body: {
        number: '731',
        name: 'Remote queue',
        strategy: 'ringall',
        members: [
          { extension: '3101', dynamic: true },
          { extension: '3102', penalty: 1 },
        ],
        failover_destination: { type: 'hangup' },
      },
    });
    expect(q.status).toBe(201);
    await app.applyNow();
  });

  it('trunk status: the registration state comes from the AMI', async () => {
    const res = await app.api('POST', '/api/v1/trunks', {
      body: {
        name: 'remote-reg',
        kind: 'registration',
        host: '127.0.0.9',
        port: 5099,
        username: 'sb-remote',
        password: 'remote-pass-1',
        registration_expiry: 120,
        retry_interval: 10,
      },
    });
    expect(res.status).toBe(201);
    await app.applyNow();
    const status = await waitFor('a registration status', async () => {
      const r = await app.api('GET', `/api/v1/trunks/${res.body.id}`);
      return r.body.status.registration !== 'unknown' && r.body.status;
    });
    // Nobody answers at 127.0.0.9:5099: Asterisk retries, and says so.
    expect(status.registration).toMatch(/^(unregistered|rejected)$/);
    expect(status.reason).not.toMatch(/unreachable/);
  });

  it('queue agents: login, pause with a reason and logout reach app_queue; the live view reads them back', async () => {
    expect((await app.api('POST', '/api/v1/queues/731/agents/3101/login')).status).toBe(200);
    expect(await asteriskCli('queue show sb-queue-731')).toMatch(/\(PJSIP\/3101\) .*\(dynamic\)/);
    const paused = await app.api('POST', '/api/v1/queues/731/agents/3101/pause', {
      body: { reason: 'lunch' },
    });
    expect(paused.status).toBe(200);
    expect(await asteriskCli('queue show sb-queue-731')).toContain('(paused:lunch was');
    const live = await app.api('GET', '/api/v1/queues/731/live');
    expect(live.body.asterisk).toBe('ok');
    expect(live.body.strategy).toBe('ringall');
    const member = (ext: string) => live.body.members.find((m: { extension: string }) => m.extension === ext);
    expect(member('3101')).toMatchObject({ logged_in: true, state: 'paused', pause_reason: 'lunch' });
    expect(member('3102')).toMatchObject({ logged_in: true, penalty: 1 });
    expect((await app.api('POST', '/api/v1/queues/731/agents/3101/unpause')).status).toBe(200);
    expect(await asteriskCli('queue show sb-queue-731')).not.toContain('paused');
    expect((await app.api('POST', '/api/v1/queues/731/agents/3101/logout')).status).toBe(200);
    expect(await asteriskCli('queue show sb-queue-731')).not.toContain('PJSIP/3101');
  });

  it('queue agents: the reconciler puts back a member Asterisk lost and removes one MySQL does not know', async () => {
    expect((await app.api('POST', '/api/v1/queues/731/agents/3101/login')).status).toBe(200);
    await asteriskCli('queue remove member PJSIP/3101 from sb-queue-731');
    await asteriskCli('queue add member PJSIP/3999 to sb-queue-731');
    // (The app's own periodic reconcile may get there first: either way it went through the AMI.)
    await reconcile(agentsFor(app.sb.deps));
    const shown = await asteriskCli('queue show sb-queue-731');
    expect(shown).toContain('PJSIP/3101');
    expect(shown).not.toContain('PJSIP/3999');
  });

  it('wallboard: the snapshot has the queue and its agents from the AMI', async () => {
    const res = await app.api('GET', '/api/v1/wallboard');
    expect(res.status).toBe(200);
    expect(res.body.asterisk).toBe('ok');
    const tile = res.body.queues.find((q: { number: string }) => q.number === '731');
    // 3101 logged in and 3102 static, neither phone registered.
    expect(tile.agents).toMatchObject({ logged_out: 0, paused: 0 });
    expect(tile.agents.available + tile.agents.unavailable).toBe(2);
  });

  it('call handling: do-not-disturb and forwarding are mirrored into astdb, and taken out again', async () => {
    const on = await app.api('PUT', '/api/v1/extensions/3102/call-handling', {
      body: { dnd: true, forward: { always: '3101' } },
    });
    expect(on.status).toBe(200);
    const shown = await asteriskCli('database show sb');
    expect(shown).toMatch(/\/sb\/dnd\/3102\s*:\s*1/);
    expect(shown).toMatch(/\/sb\/cfu\/3102\s*:\s*3101/);
    const off = await app.api('PUT', '/api/v1/extensions/3102/call-handling', {
      body: { dnd: false },
    });
    expect(off.status).toBe(200);
    expect(await asteriskCli('database show sb')).not.toContain('/3102');
  });

  it('connects again after Asterisk restarts', async () => {
    await sandbox('stop');
    const down = await app.api('GET', '/api/v1/queues/731/live');
    expect(down.body.asterisk).toBe('unreachable');
    await sandbox('start');
    await waitFor(
      'the queue read over the AMI again',
      async () => (await app.api('GET', '/api/v1/queues/731/live')).body.asterisk === 'ok',
      30_000,
    );
  });
});
