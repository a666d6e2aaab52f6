// After the suites of a run, every log the run produced is searched for every secret the suites
// set or were handed (test/support/secret-ledger.ts writes them down: SIP secrets, trunk, SMTP and
// user passwords, PINs, API tokens). One found fails `npm test`: a secret that reaches a log is
// read by whoever reads logs, ships to log collectors and outlives its rotation.
//
// Searched: Switchboard's own logs (test/support/app.ts writes them to <run>/logs at debug), the
// lanes' output (jest, suites, any Switchboard a suite runs with its own log level), each lane's
// Asterisk and carrier Asterisk log folders (messages, queue_log, CDR and CEL files), and the
// *.log files in the lanes' temporary folders (sipp traces). Not searched: generated config
// (pjsip.conf must hold the secret) and the phones' own account files.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

// Shorter values cannot be told apart from ordinary log text (a 4-digit PIN is also a port, a
// year, a count), so they are not searched; digit-only values must stand alone (not inside a
// longer number such as a timestamp).
const MIN_TEXT = 8;
const MIN_DIGITS = 6;
const WINDOW = Math.min(MIN_TEXT, MIN_DIGITS);

export interface Leak {
  file: string;
  line: number;
  // Never the secret itself in the runner's output: its first two characters and its length.
  hint: string;
}

export function searchable(value: string): boolean {
  return /^[0-9]+$/.test(value) ? value.length >= MIN_DIGITS : value.length >= MIN_TEXT;
}

export function readLedger(runDir: string): Set<string> {
  const dir = join(runDir, 'secrets');
  const secrets = new Set<string>();
  if (!existsSync(dir)) return secrets;
  for (const f of readdirSync(dir)) {
    for (const v of readFileSync(join(dir, f), 'utf8').split('\n')) if (searchable(v)) secrets.add(v);
  }
  return secrets;
}

function walk(dir: string, keep: (name: string) => boolean, out: string[]): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, keep, out);
    else if (entry.isFile() && keep(entry.name)) out.push(path);
  }
}

export interface LaneDirs {
  sandboxDir: string;
  carrierDir: string;
  tmpDir: string;
}

export function logFiles(runDir: string, lanes: readonly LaneDirs[]): string[] {
  const files: string[] = [];
  walk(join(runDir, 'logs'), () => true, files);
  for (const l of lanes) {
    walk(join(l.sandboxDir, 'var', 'log', 'asterisk'), () => true, files);
    walk(join(l.carrierDir, 'var', 'log', 'asterisk'), () => true, files);
    walk(l.tmpDir, (name) => /\.log$|_messages|_errors/.test(name), files);
  }
  return files;
}

// Every secret is indexed by its first WINDOW characters; each position of a file is one Map
// lookup, and only a hit compares the whole secret. Linear in the logs' size whatever the number
// of secrets (thousands in a full run), where one indexOf per secret would not be.
export function findLeaks(files: readonly string[], secrets: ReadonlySet<string>): Leak[] {
  const byPrefix = new Map<string, string[]>();
  for (const s of secrets) {
    const key = s.slice(0, WINDOW);
    const list = byPrefix.get(key);
    if (list) list.push(s);
    else byPrefix.set(key, [s]);
  }
  const leaks: Leak[] = [];
  if (byPrefix.size === 0) return leaks;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const found = new Set<string>();
    for (let i = 0; i + WINDOW <= text.length; i++) {
      const candidates = byPrefix.get(text.slice(i, i + WINDOW));
      if (!candidates) continue;
      for (const s of candidates) {
        if (found.has(s) || !text.startsWith(s, i)) continue;
        if (/^[0-9]+$/.test(s) && !standaloneNumber(text, i, s.length)) continue;
        found.add(s);
        leaks.push({
          file,
          line: text.slice(0, i).split('\n').length,
          hint: `${s.slice(0, 2)}… (${s.length} characters)`,
        });
      }
    }
  }
  return leaks;
}

// A digit-only value counts where it stands alone as a number (not inside a longer one or a
// decimal), and not where logs put process
// and thread ids, which a 6-digit PIN can equal by chance on a machine with a large pid_max:
// Asterisk's "NOTICE[123456]" and pino's "pid":123456.
function standaloneNumber(text: string, at: number, length: number): boolean {
  const before = text[at - 1] ?? '';
  const after = text[at + length] ?? '';
  if (/[0-9]/.test(before) || /[0-9]/.test(after)) return false;
  // Part of a decimal: the microseconds of a timestamp (Asterisk's security events carry
  // EventTV="…T23:24:01.518273+0000"), which a random 6-digit PIN equals now and then.
  if (before === '.' && /[0-9]/.test(text[at - 2] ?? '')) return false;
  if (after === '.' && /[0-9]/.test(text[at + length + 1] ?? '')) return false;
  // sipp's Call-IDs are "<call>-<pid>@<ip>", and the pid may have 6 digits: Asterisk logs the
  // Call-ID of every failed authentication (messages.log "callid:", security.log SessionID).
  if (after === '@') return false;
  if (before === '[' && after === ']') return false;
  return !text.slice(Math.max(0, at - 6), at).endsWith('"pid":');
}

export function scanRun(
  runDir: string,
  lanes: readonly LaneDirs[],
): { secrets: number; files: number; bytes: number; leaks: Leak[] } {
  const secrets = readLedger(runDir);
  const files = logFiles(runDir, lanes);
  const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
  return { secrets: secrets.size, files: files.length, bytes, leaks: findLeaks(files, secrets) };
}
