import { type FSWatcher, watch } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { Logger } from '../lib/log';

// Asterisk's security events (res_security_log) as the `security` logger channel writes them:
//   [2026-12-07 21:00:00.123] SECURITY[4242] res_security_log.c: SecurityEvent="InvalidAccountID",
//   EventTV="…",Severity="Error",Service="PJSIP",…,RemoteAddress="IPV4/UDP/127.0.0.5/5060",…
// Only the failures that mean "someone is guessing" count; ChallengeSent and SuccessfulAuth are
// the normal two steps of every REGISTER and are ignored.
export const FAILURE_EVENTS = [
  'ChallengeResponseFailed',
  'InvalidAccountID',
  'FailedACL',
  'InvalidPassword',
] as const;
export type FailureEvent = (typeof FAILURE_EVENTS)[number];

export interface SecurityFailure {
  event: FailureEvent;
  address: string;
  service: string;
  account: string | null;
}

const MAX_READ = 1024 * 1024;
const FIELD = /([A-Za-z]+)="((?:[^"\\]|\\.)*)"/g;

export function parseSecurityLine(line: string): SecurityFailure | null {
  if (!line.includes('SecurityEvent="')) return null;
  const fields = new Map<string, string>();
  for (const m of line.matchAll(FIELD)) if (m[1] && m[2] !== undefined) fields.set(m[1], m[2]);
  const event = fields.get('SecurityEvent');
  if (!event || !(FAILURE_EVENTS as readonly string[]).includes(event)) return null;
  const address = remoteAddress(fields.get('RemoteAddress'));
  if (!address) return null;
  return {
    event: event as FailureEvent,
    address,
    service: fields.get('Service') ?? '',
    account: fields.get('AccountID') || null,
  };
}

// "IPV4/UDP/127.0.0.5/5060" or "IPV6/TCP/::1/5060" → the bare address; anything else → null, so
// a malformed line can never ban a made-up string.
export function remoteAddress(value: string | undefined): string | null {
  const m = /^IPV[46]\/[A-Z]+\/(.+)\/\d+$/.exec(value ?? '');
  const addr = m?.[1]?.replace(/^\[(.*)\]$/, '$1');
  return addr && isIP(addr) ? addr : null;
}

// Follows the security log from its end at start-up (what was logged while Switchboard was down
// is old news for a rate window), through appends, truncation and rotation (a new inode). Woken
// by fs.watch on the directory; the interval is only a fallback for file systems where watch
// misses events (overlayfs lower layers, NFS).
export class SecurityLogWatcher {
  private offset = 0;
  private inode = -1;
  private partial = '';
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reading: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly path: string,
    private readonly onFailure: (failure: SecurityFailure) => void,
    private readonly log: Logger,
    private readonly fallbackMs = 2_000,
  ) {}

  async start(): Promise<void> {
    const st = await stat(this.path).catch(() => null);
    if (st) {
      this.inode = st.ino;
      this.offset = st.size;
    }
    try {
      const dir = this.path.slice(0, this.path.lastIndexOf('/')) || '/';
      const name = this.path.slice(this.path.lastIndexOf('/') + 1);
      this.watcher = watch(dir, (_event, file) => {
        if (!file || file === name) this.poke();
      });
      this.watcher.on('error', (err) => this.log.warn({ err }, 'security log watch failed'));
    } catch (err) {
      this.log.warn({ err, path: this.path }, 'security log directory not watchable; polling only');
    }
    this.timer = setInterval(() => this.poke(), this.fallbackMs);
    this.timer.unref();
  }

  // Resolves once everything written so far has been read (tests and shutdown use it).
  async drain(): Promise<void> {
    this.poke();
    while (this.reading) await this.reading;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
    while (this.reading) await this.reading;
  }

  private poke(): void {
    if (this.stopped) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = this.readNew()
      .catch((err: unknown) => this.log.warn({ err, path: this.path }, 'reading the security log failed'))
      .finally(() => {
        this.reading = null;
        if (this.again) {
          this.again = false;
          this.poke();
        }
      });
  }

  private async readNew(): Promise<void> {
    const st = await stat(this.path).catch(() => null);
    if (!st) return;
    if (st.ino !== this.inode || st.size < this.offset) {
      // Rotated (a new file) or truncated: the new content is read from its start.
      this.inode = st.ino;
      this.offset = 0;
      this.partial = '';
    }
    if (st.size === this.offset) return;
    const fh = await open(this.path, 'r');
    try {
      // A bounded read per pass: a flood logged while Switchboard was busy is read in chunks.
      const length = Math.min(st.size - this.offset, MAX_READ);
      if (length < st.size - this.offset) this.again = true;
      const buf = Buffer.alloc(length);
      const { bytesRead } = await fh.read(buf, 0, length, this.offset);
      this.offset += bytesRead;
      const text = this.partial + buf.subarray(0, bytesRead).toString('utf8');
      const lines = text.split('\n');
      // A line Asterisk is still writing stays for the next read.
      this.partial = lines.pop() ?? '';
      for (const line of lines) {
        const failure = parseSecurityLine(line);
        if (failure) this.onFailure(failure);
      }
    } finally {
      await fh.close();
    }
  }
}
