import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

// A value that may not go into a CLI command line: thrown before anything runs.
export class CliArgumentError extends Error {}

// What each argument of a command may be. Asterisk's CLI splits a line at spaces and honours
// double quotes and backslashes; none of these patterns admits a quote, a backslash, a newline
// or (but for the pause reason, which goes in quotes) a space, so no value can end its own word
// or start another command.
const ARGS = {
  queue: ['queue name', /^[A-Za-z0-9_-]{1,80}$/],
  interface: ['member interface', /^[A-Za-z]{1,20}\/[A-Za-z0-9_.+-]{1,80}$/],
  memberName: ['member name', /^[A-Za-z0-9_-]{1,40}$/],
  penalty: ['penalty', /^[0-9]{1,5}$/],
  reason: ['pause reason', /^[A-Za-z0-9 _-]{1,40}$/],
  family: ['astdb family', /^[A-Za-z0-9_-]{1,40}$/],
  // Segments of letters, digits and _+.- separated by single slashes; a segment may be a
  // registrar contact id (<aor>;@<md5 hex>), the only place a ; or @ is accepted.
  key: [
    'astdb key',
    /^(?:[A-Za-z0-9_+.-]{1,80}|[A-Za-z0-9_+.-]{1,80};@[0-9a-f]{32})(?:\/(?:[A-Za-z0-9_+.-]{1,80}|[A-Za-z0-9_+.-]{1,80};@[0-9a-f]{32}))*$/,
  ],
  // The start of a key, matched with SQL LIKE: no _ or % (LIKE's wildcards); it may end in /
  // or in ;@ (all the contacts of one AOR).
  keyPrefix: ['astdb key prefix', /^[A-Za-z0-9+.-]{1,80}(?:\/[A-Za-z0-9+.-]{1,80})*(?:\/|;@)?$/],
  value: ['astdb value', /^[A-Za-z0-9_+.-]{1,80}$/],
} as const satisfies Record<string, readonly [string, RegExp]>;

export type AsteriskArg = keyof typeof ARGS;

// The same patterns guard the AMI (asterisk/ami.ts): there a value ends at a line break, which
// none of them admits either.
export function asteriskArg(kind: AsteriskArg, value: string | number, where = 'a CLI command'): string {
  const [what, pattern] = ARGS[kind];
  const text = String(value);
  if (!pattern.test(text)) {
    throw new CliArgumentError(`refusing ${what} ${JSON.stringify(value)} in ${where}`);
  }
  return text;
}

const arg = (kind: AsteriskArg, value: string | number) => asteriskArg(kind, value);

// A command line built only by the builders below, from checked arguments.
declare const built: unique symbol;
export type CliCommand = string & { readonly [built]: true };
const line = (...words: string[]) => words.join(' ') as CliCommand;

// Every CLI command Switchboard issues. Each builder checks every argument.
export const cliCommands = {
  pjsipShowRegistrations: () => line('pjsip show registrations'),

  queueShow: (queue?: string) =>
    queue === undefined ? line('queue show') : line('queue show', arg('queue', queue)),
  queueAddMember: (
    queue: string,
    iface: string,
    o: { penalty: number; memberName: string; stateInterface: string },
  ) =>
    line(
      'queue add member',
      arg('interface', iface),
      'to',
      arg('queue', queue),
      'penalty',
      arg('penalty', o.penalty),
      'as',
      arg('memberName', o.memberName),
      'state_interface',
      arg('interface', o.stateInterface),
    ),
  queueRemoveMember: (queue: string, iface: string) =>
    line('queue remove member', arg('interface', iface), 'from', arg('queue', queue)),
  queuePauseMember: (queue: string, iface: string, reason: string) =>
    line(
      'queue pause member',
      arg('interface', iface),
      'queue',
      arg('queue', queue),
      'reason',
      `"${arg('reason', reason)}"`,
    ),
  queueUnpauseMember: (queue: string, iface: string) =>
    line('queue unpause member', arg('interface', iface), 'queue', arg('queue', queue)),
  queueSetPenalty: (queue: string, iface: string, penalty: number) =>
    line(
      'queue set penalty',
      arg('penalty', penalty),
      'on',
      arg('interface', iface),
      'in',
      arg('queue', queue),
    ),

  databasePut: (family: string, key: string, value: string) =>
    line('database put', arg('family', family), arg('key', key), arg('value', value)),
  databaseDel: (family: string, key: string) => line('database del', arg('family', family), arg('key', key)),
  databaseShow: (family: string) => line('database show', arg('family', family)),
  // `database show` matches whole key segments only; a prefix within a segment (a contact id's
  // `<aor>;@`) is asked for in SQL. The statement is one quoted word; the prefix admits no quote.
  databaseKeysWithPrefix: (family: string, keyPrefix: string) =>
    line(
      'database query',
      `"SELECT key FROM astdb WHERE key LIKE '/${arg('family', family)}/${arg('keyPrefix', keyPrefix)}%'"`,
    ),
};

// The Asterisk CLI, for the little ARI does not expose (outbound registration status, queue
// members, astdb writes), when Switchboard runs on the Asterisk host (ASTERISK_CONTROL=cli;
// asterisk/control.ts wraps it, asterisk/ami.ts is the network alternative). The command prefix comes from configuration (ASTERISK_CLI, e.g.
// `asterisk -rx` or an ssh wrapper); the command is one argv element (no shell), and only the
// checked command lines of cliCommands ever reach it.
export class AsteriskCli {
  constructor(private readonly prefix: readonly string[]) {}

  private async run(command: CliCommand): Promise<string> {
    const [bin, ...args] = this.prefix;
    if (!bin) throw new Error('ASTERISK_CLI is empty');
    const { stdout } = await exec(bin, [...args, command], { timeout: 10_000, maxBuffer: 4 * 1024 * 1024 });
    return stdout;
  }

  // Each method answers the CLI's output; a bad argument rejects before anything runs.

  async pjsipShowRegistrations(): Promise<string> {
    return this.run(cliCommands.pjsipShowRegistrations());
  }

  async queueShow(queue?: string): Promise<string> {
    return this.run(cliCommands.queueShow(queue));
  }

  async queueAddMember(
    queue: string,
    iface: string,
    o: { penalty: number; memberName: string; stateInterface: string },
  ): Promise<string> {
    return this.run(cliCommands.queueAddMember(queue, iface, o));
  }

  async queueRemoveMember(queue: string, iface: string): Promise<string> {
    return this.run(cliCommands.queueRemoveMember(queue, iface));
  }

  async queuePauseMember(queue: string, iface: string, reason: string): Promise<string> {
    return this.run(cliCommands.queuePauseMember(queue, iface, reason));
  }

  async queueUnpauseMember(queue: string, iface: string): Promise<string> {
    return this.run(cliCommands.queueUnpauseMember(queue, iface));
  }

  async queueSetPenalty(queue: string, iface: string, penalty: number): Promise<string> {
    return this.run(cliCommands.queueSetPenalty(queue, iface, penalty));
  }

  async databasePut(family: string, key: string, value: string): Promise<string> {
    return this.run(cliCommands.databasePut(family, key, value));
  }

  async databaseDel(family: string, key: string): Promise<string> {
    return this.run(cliCommands.databaseDel(family, key));
  }

  async databaseShow(family: string): Promise<string> {
    return this.run(cliCommands.databaseShow(family));
  }

  async databaseKeysWithPrefix(family: string, keyPrefix: string): Promise<string> {
    return this.run(cliCommands.databaseKeysWithPrefix(family, keyPrefix));
  }
}

export interface RegistrationLine {
  id: string;
  status: string;
  detail: string;
}

// Parses `pjsip show registrations`:  " trunk-a/sip:host:5060   trunk-a   Registered   (exp. 95s)"
export function parseRegistrations(output: string): RegistrationLine[] {
  const lines: RegistrationLine[] = [];
  for (const line of output.split('\n')) {
    const m = /^\s*([A-Za-z0-9_.+-]+)\/\S+\s+\S*\s+(Registered|Unregistered|Rejected|Stopped)\s*(.*)$/.exec(
      line,
    );
    if (m) lines.push({ id: m[1]!, status: m[2]!, detail: m[3]!.trim() });
  }
  return lines;
}
