import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Knex } from 'knex';
import { cidrMatcher, isCidr } from '../lib/cidr';
import { trunksRepo } from '../trunks';

// The carriers' addresses, which a failed authentication must never ban: a registration trunk
// recognises its inbound calls by `line=`, so a request forged with the carrier's source address
// and no `line=` fails as InvalidAccountID at once; ten such UDP packets would otherwise ban the
// carrier and stop every call on the trunk. Each trunk's host (its registrar and where its calls
// go) is resolved with the system resolver (all addresses), and an IP trunk's peer addresses and
// networks are taken as they are.

export type LookupAll = (host: string) => Promise<string[]>;

export const dnsLookupAll: LookupAll = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

export interface TrunkSource {
  name: string;
  host: string;
  peer_addresses: readonly string[];
}

export interface TrunkPeer {
  trunk: string;
  role: 'host' | 'peer address';
  value: string;
  // What `value` stands for: itself for an address or network, the resolved addresses for a name.
  addresses: string[];
  // Why a name resolved to nothing new (the last answer, if any, is kept).
  error: string | null;
}

export interface BookOptions {
  // A slow resolver must not hold up an apply or a ban for long.
  timeoutMs: number;
  // How long an answer is reused before the name is looked up again.
  ttlMs: number;
}

const DEFAULTS: BookOptions = { timeoutMs: 2_000, ttlMs: 300_000 };

export class TrunkAddressBook {
  private readonly cache = new Map<string, { addresses: string[]; at: number }>();
  private peers: TrunkPeer[] = [];
  private matcher: (address: string) => boolean = () => false;

  constructor(
    private readonly lookupAll: LookupAll = dnsLookupAll,
    private readonly options: BookOptions = DEFAULTS,
    private readonly now: () => number = Date.now,
  ) {}

  // Synchronous, for the failure counter: the addresses as of the last refresh.
  covers(address: string): boolean {
    return this.matcher(address);
  }

  list(): readonly TrunkPeer[] {
    return this.peers;
  }

  async refreshFrom(db: Knex): Promise<readonly TrunkPeer[]> {
    const rows = await trunksRepo.list(db);
    return this.refresh(rows.map((r) => trunksRepo.toApi(r)));
  }

  // Never throws for a name: a failed or slow lookup keeps that name's last answer (a carrier
  // whose DNS hiccups stays exempt) and leaves every other address bannable as before.
  async refresh(trunks: readonly TrunkSource[]): Promise<readonly TrunkPeer[]> {
    const peers = await Promise.all(
      trunks.flatMap((t) => [
        this.resolveHost(t.name, t.host),
        ...t.peer_addresses.map(
          (value): Promise<TrunkPeer> =>
            Promise.resolve({ trunk: t.name, role: 'peer address', value, addresses: [value], error: null }),
        ),
      ]),
    );
    this.peers = peers;
    this.matcher = cidrMatcher(peers.flatMap((p) => p.addresses.filter(isCidr)));
    return peers;
  }

  private async resolveHost(trunk: string, host: string): Promise<TrunkPeer> {
    const peer = { trunk, role: 'host' as const, value: host };
    if (isIP(host)) return { ...peer, addresses: [host], error: null };
    const cached = this.cache.get(host);
    if (cached && this.now() - cached.at < this.options.ttlMs)
      return { ...peer, addresses: cached.addresses, error: null };
    try {
      const addresses = [...new Set(await this.withTimeout(this.lookupAll(host), host))].sort();
      this.cache.set(host, { addresses, at: this.now() });
      return { ...peer, addresses, error: null };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      return { ...peer, addresses: cached?.addresses ?? [], error: reason };
    }
  }

  private withTimeout<T>(work: Promise<T>, host: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`looking up ${host} took over ${this.options.timeoutMs} ms`)),
        this.options.timeoutMs,
      );
      timer.unref();
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }
}

// One book per database (per running app): the apply's state load, the ban engine and the page
// share its answers, so a name is looked up at most once per TTL.
const books = new WeakMap<Knex, TrunkAddressBook>();

export function trunkAddressBook(db: Knex): TrunkAddressBook {
  let book = books.get(db);
  if (!book) {
    book = new TrunkAddressBook();
    books.set(db, book);
  }
  return book;
}
