import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

// The Asterisk CLI, for the little ARI does not expose (outbound registration status). The
// command prefix comes from configuration (ASTERISK_CLI, e.g. `asterisk -rx` or an ssh wrapper);
// only fixed command strings written in this codebase are ever passed to it.
export class AsteriskCli {
  constructor(private readonly prefix: readonly string[]) {}

  async run(command: string): Promise<string> {
    const [bin, ...args] = this.prefix;
    if (!bin) throw new Error('ASTERISK_CLI is empty');
    const { stdout } = await run(bin, [...args, command], { timeout: 10_000, maxBuffer: 4 * 1024 * 1024 });
    return stdout;
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
