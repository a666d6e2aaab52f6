import { once } from 'node:events';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { AmiClient } from '../../src/asterisk/ami';

// The AMI client's own connection handling against a local TCP server speaking the manager
// protocol: the failures under test (a host that goes silent, a value carrying a line break)
// cannot be provoked on demand from the sandbox Asterisk. Its real actions are proven in
// test/e2e/remote-asterisk.test.ts.

interface Conn {
  socket: Socket;
  received: string;
  closed: Promise<unknown>;
}

// Answers the banner and Login on every connection; `silent(n)` says whether connection n
// (0-based) swallows every later action, as a host that vanished without a RST would.
class FakeAmi {
  readonly conns: Conn[] = [];
  private readonly server: Server;

  constructor(private readonly silent: (n: number) => boolean) {
    this.server = createServer((socket) => {
      const n = this.conns.length;
      // Not events.once: it rejects on 'error', and a reset is a close like any other here.
      const conn: Conn = { socket, received: '', closed: new Promise((r) => socket.once('close', r)) };
      this.conns.push(conn);
      let buffer = '';
      socket.setEncoding('utf8');
      socket.write('Asterisk Call Manager/11.0.0\r\n');
      socket.on('error', () => {});
      socket.on('data', (chunk: string) => {
        conn.received += chunk;
        buffer += chunk;
        for (let end = buffer.indexOf('\r\n\r\n'); end >= 0; end = buffer.indexOf('\r\n\r\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 4);
          const action = /^Action: (.*)$/m.exec(block)?.[1];
          const id = /^ActionID: (.*)$/m.exec(block)?.[1];
          if (action !== 'Login' && this.silent(n)) continue;
          socket.write(`Response: Success\r\nActionID: ${id}\r\nMessage: ${action} on ${n}\r\n\r\n`);
        }
      });
    });
  }

  async listen(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `tcp://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const c of this.conns) c.socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe('AmiClient', () => {
  let fake: FakeAmi;
  let client: AmiClient | null = null;
  afterEach(async () => {
    await client?.close();
    client = null;
    await fake.close();
  });

  it('drops a connection on which an action went unanswered, and the next action connects anew', async () => {
    fake = new FakeAmi((n) => n === 0);
    client = new AmiClient({ url: await fake.listen(), username: 'sb', secret: 's', timeoutMs: 300 });

    const started = Date.now();
    await expect(client.action('Ping')).rejects.toThrow(/no answer within 300 ms/);
    const waited = Date.now() - started;
    // The client, not the server, ends the silent connection.
    await fake.conns[0]!.closed;

    const { response } = await client.action('Ping');
    expect(response['message']).toBe('Ping on 1');
    expect(fake.conns).toHaveLength(2);
    expect(waited).toBeGreaterThanOrEqual(300);
    expect(waited).toBeLessThan(2_000);
  });

  it('fails only the actions of the connection that was lost', async () => {
    // Connection 0 goes silent; an action started after the timeout runs on connection 1 and
    // must not be failed when connection 0's close arrives.
    fake = new FakeAmi((n) => n === 0);
    client = new AmiClient({ url: await fake.listen(), username: 'sb', secret: 's', timeoutMs: 300 });
    const c = client;
    const first = c.action('Ping');
    const second = first.catch(() => c.action('Ping'));
    await expect(first).rejects.toThrow(/no answer/);
    await expect(second).resolves.toMatchObject({ response: { message: 'Ping on 1' } });
  });

  it('never writes a Login whose secret carries a line break', async () => {
    fake = new FakeAmi(() => false);
    client = new AmiClient({
      url: await fake.listen(),
      username: 'sb',
      secret: 's\r\nAction: Originate\r\nChannel: PJSIP/evil',
      timeoutMs: 2_000,
    });
    await expect(client.action('Ping')).rejects.toThrow(/Login: refusing field Secret/);
    await fake.conns[0]!.closed;
    expect(fake.conns[0]!.received).toBe('');
  });

  it('refuses a field value with a control character before connecting', async () => {
    fake = new FakeAmi(() => false);
    client = new AmiClient({ url: await fake.listen(), username: 'sb', secret: 's', timeoutMs: 2_000 });
    await expect(
      client.action('DBPut', { Family: 'f', Key: 'k', Val: 'v\r\nAction: Originate' }),
    ).rejects.toThrow(/refusing field Val/);
    await expect(client.action('DBPut', { Family: 'f', Key: 'k', Val: 'v\u0000' })).rejects.toThrow(
      /refusing field Val/,
    );
    expect(fake.conns).toHaveLength(0);
    // And a clean action still goes through.
    const { response } = await client.action('DBPut', { Family: 'f', Key: 'k', Val: 'v' });
    expect(response['message']).toBe('DBPut on 0');
  });
});
