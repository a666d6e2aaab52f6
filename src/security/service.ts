import type { Knex } from 'knex';
import type { Actor } from '../apply/trigger';
import type { FailureEvent, SecurityFailure } from '../asterisk/security-log';
import { mapDbError } from '../db/mysql-errors';
import { NotFoundError } from '../http/errors';
import { cidrMatcher } from '../lib/cidr';
import type { Logger } from '../lib/log';
import * as repo from './repo';
import type { AllowEntryInput } from './schema';
import type { TrunkAddressBook, TrunkPeer } from './trunk-addresses';

// Who lifts a ban on an address that has become a trunk's (shown as "lifted by trunk address").
export const TRUNK_LIFTER = 'trunk address';

export interface BanPolicy {
  failures: number;
  windowSeconds: number;
  banSeconds: number;
  allowlist: readonly string[];
}

// Counts failed authentications per address in a sliding window and bans an address when it
// reaches the policy's count: a row in sip_bans, then an apply that renders the PJSIP ACL.
// Counting lives in memory: a restart forgets half-counted addresses, which only delays a ban.
export class BanEngine {
  private readonly seen = new Map<string, Array<{ at: number; event: FailureEvent }>>();
  private readonly allowed: (address: string) => boolean;
  private banning: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Knex,
    private readonly policy: BanPolicy,
    private readonly actor: Actor,
    private readonly log: Logger,
    private readonly trunks: TrunkAddressBook,
    private readonly now: () => number = Date.now,
  ) {
    this.allowed = cidrMatcher(policy.allowlist);
  }

  failure(f: SecurityFailure): void {
    // A carrier's address is never counted: its source is easy to forge over UDP (see
    // trunk-addresses.ts), and a ban would stop every call on the trunk.
    if (this.allowed(f.address) || this.trunks.covers(f.address)) return;
    const at = this.now();
    const since = at - this.policy.windowSeconds * 1000;
    const recent = (this.seen.get(f.address) ?? []).filter((s) => s.at > since);
    recent.push({ at, event: f.event });
    this.seen.set(f.address, recent);
    this.forgetOld(since);
    if (recent.length < this.policy.failures) return;
    this.seen.delete(f.address);
    // One ban at a time, so a burst of failures past the count cannot insert two rows.
    this.banning = this.banning
      .then(() => this.ban(f.address, recent))
      .catch((err: unknown) => this.log.error({ err, address: f.address }, 'banning an address failed'));
  }

  // Resolves once every ban decided so far is stored and its apply requested.
  settled(): Promise<void> {
    return this.banning;
  }

  private async ban(address: string, recent: Array<{ at: number; event: FailureEvent }>): Promise<void> {
    const now = new Date(this.now());
    // Failures already in flight when the ban was applied: the address is refused already.
    if (await repo.isBanned(this.db, address, now)) return;
    // The admins' allowlist is read here, at the rare moment it matters, so a change to it
    // needs no signal to this engine.
    const admins = (await repo.allowlist(this.db)).map((a) => a.cidr);
    if (cidrMatcher(admins)(address)) return;
    // The trunks are read again here too: one added (or its name's addresses changed) since the
    // last apply is exempt before its own apply has run. A DNS failure only keeps the last answer.
    await this.trunks.refreshFrom(this.db);
    if (this.trunks.covers(address)) return;
    const counts = new Map<string, number>();
    for (const r of recent) counts.set(r.event, (counts.get(r.event) ?? 0) + 1);
    const reason = `${recent.length} failed SIP authentications in ${this.policy.windowSeconds} s (${[
      ...counts,
    ]
      .map(([e, n]) => `${e} ×${n}`)
      .join(', ')})`;
    await repo.insert(this.db, {
      address,
      reason,
      failures: recent.length,
      banned_at: now,
      expires_at: new Date(now.getTime() + this.policy.banSeconds * 1000),
    });
    this.log.warn({ address, reason }, 'SIP address banned');
    this.actor.requestApply(`SIP address ${address} banned`, { sipBans: true });
  }

  private forgetOld(since: number): void {
    // Bounded memory under a scan from many addresses: drop those with nothing in the window.
    if (this.seen.size < 10_000) return;
    for (const [addr, list] of this.seen) if (!list.some((s) => s.at > since)) this.seen.delete(addr);
  }
}

// The apply's read of the addresses to refuse: bans on addresses that are (now) a trunk's are
// lifted first, so a carrier banned before its trunk existed is let in again by the next apply.
export async function bannedNow(db: Knex, trunks: TrunkAddressBook, now: Date): Promise<string[]> {
  await trunks.refreshFrom(db);
  await repo.liftMatching(db, (a) => trunks.covers(a), TRUNK_LIFTER, now);
  return repo.activeAddresses(db, now);
}

export async function listTrunkAddresses(db: Knex, trunks: TrunkAddressBook): Promise<TrunkPeer[]> {
  return [...(await trunks.refreshFrom(db))];
}

export async function listBans(db: Knex, limit: number): Promise<repo.Ban[]> {
  const now = new Date();
  return (await repo.list(db, limit)).map((r) => repo.toApi(r, now));
}

// Lifting an ended ban is a 404: there is nothing to lift.
export async function liftBan(db: Knex, id: number, actor: Actor): Promise<repo.Ban> {
  const now = new Date();
  if ((await repo.lift(db, id, actor.by, now)) === 0) throw new NotFoundError(`active ban ${id}`);
  const row = (await repo.find(db, id))!;
  actor.requestApply(`SIP ban of ${row.address} lifted`, { sipBans: true });
  return repo.toApi(row, now);
}

export async function listAllowlist(db: Knex, settingEntries: readonly string[]) {
  const rows = await repo.allowlist(db);
  return {
    setting: [...settingEntries],
    items: rows.map((r) => ({
      id: r.id,
      cidr: r.cidr,
      note: r.note,
      created_by: r.created_by,
      created_at: r.created_at.toISOString(),
    })),
  };
}

// An address allowed now is no longer banned: its active bans are lifted in the same step.
export async function addAllowed(
  db: Knex,
  input: AllowEntryInput,
  actor: Actor,
): Promise<{ id: number; cidr: string; lifted: number }> {
  let id: number;
  try {
    id = await repo.allow(db, { cidr: input.cidr, note: input.note ?? null, created_by: actor.by });
  } catch (err) {
    throw mapDbError(err, 'cidr');
  }
  const lifted = await repo.liftMatching(db, cidrMatcher([input.cidr]), actor.by, new Date());
  if (lifted > 0) actor.requestApply(`${input.cidr} allowlisted`, { sipBans: true });
  return { id, cidr: input.cidr, lifted };
}

export async function removeAllowed(db: Knex, id: number): Promise<void> {
  if ((await repo.disallow(db, id)) === 0) throw new NotFoundError(`allowlist entry ${id}`);
}
