import { type AsteriskCli, parseRegistrations, type RegistrationLine } from './cli';
import { parseQueueShow, type ShownQueue } from './queue-show';

export type { RegistrationLine } from './cli';

// The control of Asterisk that ARI does not offer: outbound registration status, the live
// queues and their dynamic members, and the astdb. Two ways to it, chosen by ASTERISK_CONTROL:
// the CLI on the Asterisk host (CliControl below) or the AMI over the network (AmiControl in
// asterisk/ami.ts). Both check every argument against the same patterns (asteriskArg in cli.ts)
// and answer in the same shapes; a change that did not happen rejects.
export interface AsteriskControl {
  // 'cli' or 'ami': named in logs and in the status a page shows when Asterisk does not answer.
  readonly via: 'cli' | 'ami';
  outboundRegistrations(): Promise<RegistrationLine[]>;
  // Every queue (or one) by its Asterisk name; a queue Asterisk does not have is absent.
  queueStatus(queue?: string): Promise<Map<string, ShownQueue>>;
  // Adding a member already there, or removing one not there, succeeds: the state is the wanted one.
  queueAddMember(
    queue: string,
    iface: string,
    o: { penalty: number; memberName: string; stateInterface: string },
  ): Promise<void>;
  queueRemoveMember(queue: string, iface: string): Promise<void>;
  queuePauseMember(queue: string, iface: string, reason: string): Promise<void>;
  queueUnpauseMember(queue: string, iface: string): Promise<void>;
  queueSetPenalty(queue: string, iface: string, penalty: number): Promise<void>;
  dbPut(family: string, key: string, value: string): Promise<void>;
  // Deleting a key that is not there succeeds.
  dbDel(family: string, key: string): Promise<void>;
  // Every key of a family (the part after /<family>/) with its value.
  dbFamily(family: string): Promise<Map<string, string>>;
  // The keys of a family (after /<family>/) that start with keyPrefix.
  dbKeysWithPrefix(family: string, keyPrefix: string): Promise<string[]>;
  close(): Promise<void>;
}

// The CLI answers in prose and exits 0 either way: what it said decides.
function expect(output: string, accepted: readonly RegExp[], what: string): void {
  if (!accepted.some((a) => a.test(output))) throw new Error(`${what}: Asterisk answered: ${output.trim()}`);
}

// "/sb/dnd/1001                                      : 1" lines of `database show <family>`.
export function parseDatabaseShow(family: string, out: string): Map<string, string> {
  const map = new Map<string, string>();
  const prefix = `/${family}/`;
  for (const line of out.split('\n')) {
    const m = /^(\/\S+?)\s*:\s*(\S*)\s*$/.exec(line);
    const key = m?.[1];
    if (!m || !key?.startsWith(prefix)) continue;
    map.set(key.slice(prefix.length), m[2] ?? '');
  }
  return map;
}

export class CliControl implements AsteriskControl {
  readonly via = 'cli' as const;

  constructor(private readonly cli: AsteriskCli) {}

  async outboundRegistrations(): Promise<RegistrationLine[]> {
    return parseRegistrations(await this.cli.pjsipShowRegistrations());
  }

  async queueStatus(queue?: string): Promise<Map<string, ShownQueue>> {
    return parseQueueShow(await this.cli.queueShow(queue));
  }

  async queueAddMember(
    queue: string,
    iface: string,
    o: { penalty: number; memberName: string; stateInterface: string },
  ): Promise<void> {
    expect(await this.cli.queueAddMember(queue, iface, o), [/Added/, /Already there/], 'queue add');
  }

  async queueRemoveMember(queue: string, iface: string): Promise<void> {
    expect(await this.cli.queueRemoveMember(queue, iface), [/Removed/, /Not there/], 'queue remove');
  }

  async queuePauseMember(queue: string, iface: string, reason: string): Promise<void> {
    expect(await this.cli.queuePauseMember(queue, iface, reason), [/\bpaused/], 'queue pause');
  }

  async queueUnpauseMember(queue: string, iface: string): Promise<void> {
    expect(await this.cli.queueUnpauseMember(queue, iface), [/unpaused/], 'queue unpause');
  }

  async queueSetPenalty(queue: string, iface: string, penalty: number): Promise<void> {
    expect(await this.cli.queueSetPenalty(queue, iface, penalty), [/^Set penalty/m], 'queue set penalty');
  }

  async dbPut(family: string, key: string, value: string): Promise<void> {
    expect(
      await this.cli.databasePut(family, key, value),
      [/Updated database successfully/i],
      `astdb put ${key}`,
    );
  }

  async dbDel(family: string, key: string): Promise<void> {
    // "could not be removed" is what Asterisk says of a key already gone: what we wanted.
    expect(
      await this.cli.databaseDel(family, key),
      [/entry removed/i, /could not be removed/i],
      `astdb del ${key}`,
    );
  }

  async dbFamily(family: string): Promise<Map<string, string>> {
    return parseDatabaseShow(family, await this.cli.databaseShow(family));
  }

  async dbKeysWithPrefix(family: string, keyPrefix: string): Promise<string[]> {
    const out = await this.cli.databaseKeysWithPrefix(family, keyPrefix);
    const prefix = `/${family}/${keyPrefix}`;
    // `database query` prints one row per key, in a layout of its own: the keys are picked out.
    return [...out.matchAll(/\/[A-Za-z0-9_-]+\/[^\s'"]+/g)]
      .map((m) => m[0])
      .filter((k) => k.startsWith(prefix))
      .map((k) => k.slice(family.length + 2));
  }

  async close(): Promise<void> {}
}
