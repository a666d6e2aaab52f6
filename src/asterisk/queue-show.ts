// What app_queue holds right now, whichever way it was read: `queue show` through the CLI
// (parsed here) or QueueStatus through the AMI (asterisk/ami.ts).

export interface ShownMember {
  name: string;
  interface: string;
  extension: string | null; // from PJSIP/<digits>
  penalty: number;
  dynamic: boolean;
  paused: boolean;
  pauseReason: string | null;
  deviceState: string; // Asterisk's device state: "Not in use", "In use", "Ringing", …
  inCall: boolean;
  callsTaken: number;
  lastCallSecondsAgo: number | null;
}

export interface ShownCaller {
  position: number;
  channel: string;
  waitSeconds: number;
  priority: number;
}

export interface ShownQueue {
  name: string;
  strategy: string;
  members: ShownMember[];
  callers: ShownCaller[];
}

const QUEUE_LINE = /^(\S+) has (\d+) calls? \(max [^)]*\) in '([a-z]+)' strategy/;
const CALLER_LINE = /^\s+(\d+)\. (\S+) \(wait: ?(\d+):(\d+), prio: ?(-?\d+)\)/;

// Parses `queue show [name]` (Asterisk 22). Member line, e.g.:
//   "      Alice (PJSIP/2001) with penalty 2 (ringinuse disabled) (dynamic) (paused:phone was 5 secs
//    ago) (Not in use) has taken 3 calls (last was 12 secs ago) (login was 40 secs ago)"
// The name and the interface are printed once when they are equal.
export function parseQueueShow(output: string): Map<string, ShownQueue> {
  const queues = new Map<string, ShownQueue>();
  let current: ShownQueue | null = null;
  let section: 'members' | 'callers' | null = null;
  for (const raw of output.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const q = QUEUE_LINE.exec(line);
    if (q) {
      current = { name: q[1]!, strategy: q[3]!, members: [], callers: [] };
      queues.set(current.name, current);
      section = null;
      continue;
    }
    if (!current) continue;
    const trimmed = line.trim();
    if (trimmed.startsWith('Members:')) section = 'members';
    else if (trimmed.startsWith('Callers:')) section = 'callers';
    else if (trimmed === 'No Members' || trimmed === 'No Callers') section = null;
    else if (section === 'callers') {
      const c = CALLER_LINE.exec(line);
      if (c)
        current.callers.push({
          position: Number(c[1]),
          channel: c[2]!,
          waitSeconds: Number(c[3]) * 60 + Number(c[4]),
          priority: Number(c[5]),
        });
    } else if (section === 'members' && trimmed !== '') {
      const member = parseMemberLine(trimmed);
      if (member) current.members.push(member);
    }
  }
  return queues;
}

// Asterisk's device states as `queue show` names them, by number (AST_DEVICE_*, which the AMI's
// QueueMember events give).
export const DEVICE_STATES: readonly string[] = [
  'Unknown',
  'Not in use',
  'In use',
  'Busy',
  'Invalid',
  'Unavailable',
  'Ringing',
  'Ring+Inuse',
  'On Hold',
];

function parseMemberLine(line: string): ShownMember | null {
  const head = /^(.*?)(?: \(([A-Za-z]+\/[^\s)]+)(?: from [^)]*)?\))?(?= with penalty| \(|$| has taken)/.exec(
    line,
  );
  if (!head) return null;
  const name = head[1]!;
  const iface = head[2] ?? name;
  const groups = [...line.slice(head[0].length).matchAll(/\(([^()]*)\)/g)].map((m) => m[1]!);
  const paused = groups.find((g) => g.startsWith('paused'));
  const pauseReason = paused ? (/^paused:(.*?) was \d+ secs ago$/.exec(paused)?.[1] ?? null) : null;
  const deviceState = groups.find((g) => DEVICE_STATES.includes(g)) ?? 'Unknown';
  const taken = /has taken (\d+) calls? \(last was (\d+) secs ago\)/.exec(line);
  const ext = /^PJSIP\/([0-9]+)$/.exec(iface);
  return {
    name,
    interface: iface,
    extension: ext ? ext[1]! : null,
    penalty: Number(/ with penalty (\d+)/.exec(line)?.[1] ?? 0),
    dynamic: groups.includes('dynamic'),
    paused: paused !== undefined,
    pauseReason: pauseReason === '' ? null : pauseReason,
    deviceState,
    inCall: groups.includes('in call'),
    callsTaken: taken ? Number(taken[1]) : 0,
    lastCallSecondsAgo: taken ? Number(taken[2]) : null,
  };
}
