import { TrunkAddressBook } from './trunk-addresses';

// The exemption of carriers' addresses from SIP bans: names resolved with the system resolver,
// addresses and networks as they are, and a resolver that fails or hangs never stops the rest.

describe('trunk addresses never banned', () => {
  it('covers a host address, an IP trunk peer network and every address a host name resolves to', async () => {
    const book = new TrunkAddressBook();
    const peers = await book.refresh([
      { name: 'carrier-ip', host: '203.0.113.9', peer_addresses: ['198.51.100.0/28', '192.0.2.44'] },
      { name: 'carrier-reg', host: 'localhost', peer_addresses: [] },
    ]);
    expect(peers).toEqual(
      expect.arrayContaining([
        { trunk: 'carrier-ip', role: 'host', value: '203.0.113.9', addresses: ['203.0.113.9'], error: null },
        {
          trunk: 'carrier-ip',
          role: 'peer address',
          value: '198.51.100.0/28',
          addresses: ['198.51.100.0/28'],
          error: null,
        },
      ]),
    );
    // Real resolution through node:dns (getaddrinfo, /etc/hosts).
    expect(peers.find((p) => p.value === 'localhost')?.addresses).toContain('127.0.0.1');
    for (const a of ['203.0.113.9', '198.51.100.1', '198.51.100.15', '192.0.2.44', '127.0.0.1'])
      expect(book.covers(a)).toBe(true);
    for (const a of ['198.51.100.16', '203.0.113.10', '127.0.0.5', '192.0.2.45'])
      expect(book.covers(a)).toBe(false);
  });

  it('a name that does not resolve exempts nothing, and the other trunks stay exempt', async () => {
    const book = new TrunkAddressBook();
    const peers = await book.refresh([
      { name: 'gone', host: 'no-such-carrier.invalid', peer_addresses: [] },
      { name: 'carrier-ip', host: '203.0.113.9', peer_addresses: [] },
    ]);
    expect(peers[0]).toMatchObject({ trunk: 'gone', addresses: [] });
    expect(peers[0]?.error).toEqual(expect.any(String));
    expect(book.covers('203.0.113.9')).toBe(true);
    expect(book.covers('127.0.0.5')).toBe(false);
  });

  it('a lookup slower than the timeout is abandoned, keeping the last answer; a removed trunk is no longer exempt', async () => {
    // The resolver is an argument so a hanging DNS server can be had without one: the first
    // lookup answers, the later ones never do.
    let calls = 0;
    const hangsAfterFirst = (host: string) =>
      ++calls === 1
        ? Promise.resolve([host === 'sip.carrier.test' ? '198.51.100.7' : ''])
        : new Promise<string[]>(() => {});
    const book = new TrunkAddressBook(hangsAfterFirst, { timeoutMs: 100, ttlMs: 0 });
    const trunk = { name: 'carrier', host: 'sip.carrier.test', peer_addresses: [] };
    await book.refresh([trunk]);
    expect(book.covers('198.51.100.7')).toBe(true);
    const started = Date.now();
    const [again] = await book.refresh([trunk]);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(again).toMatchObject({
      addresses: ['198.51.100.7'],
      error: expect.stringContaining('over 100 ms'),
    });
    expect(book.covers('198.51.100.7')).toBe(true);
    await book.refresh([]);
    expect(book.covers('198.51.100.7')).toBe(false);
    expect(book.list()).toEqual([]);
  });
});
