import { mkdir, readdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { USER_EVENTS } from '../calldata/types';
import type { Deps } from '../deps';
import { parseFileName, SUBDIR } from './files';
import { findPolicy } from './policies';
import { TARGET_TYPES, type TargetType } from './schema';
import { readWavInfo } from './wav';

// A recording whose file never appeared (MixMonitor with b only writes once bridged, so an
// unanswered call leaves none) stops being looked for after this long.
const LOOK_BACK_DAYS = 7;
// A file whose header does not yet account for its bytes may still be open: wait this long
// after its last write before taking it as it is.
const SETTLE_MS = 10_000;

interface Candidate {
  fileName: string;
  linkedid: string;
  uniqueid: string;
  type: TargetType;
  ref: string;
  onDemand: boolean;
  startedAt: Date | null;
}

// Turns SB_RECORDING CEL events (policy "always") and the files parties started themselves
// (on_demand, found in the monitor dir) into recordings rows, once the call has ended
// (LINKEDID_END) and Asterisk has closed the file. Returns how many rows were added.
export async function linkRecordingsOnce(deps: Deps): Promise<number> {
  const dir = join(deps.config.asteriskMonitorDir, SUBDIR);
  await adoptOnDemandFiles(deps.db, deps.config.asteriskMonitorDir);
  const candidates = [...(await fromEvents(deps.db)), ...(await fromFiles(deps.db, dir))];
  let added = 0;
  for (const c of candidates) {
    const info = await fileInfo(join(dir, c.fileName));
    if (!info) continue;
    const policy = await findPolicy(deps.db, c.type, c.ref);
    const duration = info.durationSeconds;
    const inserted = await deps
      .db('recordings')
      .insert({
        linkedid: c.linkedid,
        uniqueid: c.uniqueid,
        file_name: c.fileName,
        policy_target: c.onDemand ? 'on_demand' : policyTarget(c.type),
        policy_ref:
          !c.onDemand && (c.type === 'extension' || c.type === 'queue') ? c.ref : `${c.type}:${c.ref}`,
        retention_days: policy?.retention_days ?? null,
        started_at: c.startedAt ?? new Date(info.mtime.getTime() - duration * 1000),
        bytes: info.bytes,
        duration_seconds: duration.toFixed(3),
      })
      .onConflict('file_name')
      .ignore();
    if (inserted.length > 0 && Number(inserted[0]) > 0) added++;
  }
  if (added > 0) deps.log.info({ added }, 'recordings linked');
  return added;
}

function policyTarget(type: TargetType): 'extension' | 'queue' | 'route' {
  return type === 'extension' || type === 'queue' ? type : 'route';
}

async function fromEvents(db: Knex): Promise<Candidate[]> {
  const since = new Date(Date.now() - LOOK_BACK_DAYS * 86_400_000);
  const rows = (await db('cel_events as e')
    .where('e.eventtype', USER_EVENTS.recording)
    .where('e.eventtime', '>=', since)
    .whereExists((q) =>
      q
        .select(db.raw('1'))
        .from('cel_events as x')
        .where('x.eventtype', 'LINKEDID_END')
        .whereRaw('x.linkedid = e.linkedid'),
    )
    .whereNotExists((q) =>
      q
        .select(db.raw('1'))
        .from('recordings as r')
        .whereRaw("r.file_name = SUBSTRING_INDEX(e.eventextra, '|', 1)"),
    )
    .select('e.eventextra', 'e.eventtime', 'e.linkedid', 'e.uniqueid')) as {
    eventextra: string;
    eventtime: Date;
    linkedid: string;
    uniqueid: string;
  }[];
  const out: Candidate[] = [];
  for (const r of rows) {
    const [fileName = '', type = '', ref = ''] = r.eventextra.split('|');
    const parsed = parseFileName(fileName);
    if (!parsed || parsed.onDemand || !isTargetType(type) || !/^[0-9]{1,10}$/.test(ref)) continue;
    out.push({
      fileName,
      linkedid: parsed.linkedid,
      uniqueid: parsed.uniqueid,
      type,
      ref,
      onDemand: false,
      startedAt: r.eventtime,
    });
  }
  return out;
}

// automixmon cannot write into a subfolder (it turns / into -): its files arrive in the monitor
// dir as switchboard-od-….wav and move into switchboard/ once their call has ended.
const AUTOMIXMON_PREFIX = `${SUBDIR}-`;

async function adoptOnDemandFiles(db: Knex, monitorDir: string): Promise<void> {
  const names = (await readdir(monitorDir).catch(() => [] as string[])).filter((n) =>
    n.startsWith(AUTOMIXMON_PREFIX),
  );
  const files = names.flatMap((n) => {
    const fileName = n.slice(AUTOMIXMON_PREFIX.length);
    const p = parseFileName(fileName);
    return p?.onDemand ? [{ from: n, fileName, linkedid: p.linkedid }] : [];
  });
  if (files.length === 0) return;
  const ended = await endedCalls(
    db,
    files.map((f) => f.linkedid),
  );
  await mkdir(join(monitorDir, SUBDIR), { recursive: true });
  for (const f of files) {
    if (ended.has(f.linkedid)) await rename(join(monitorDir, f.from), join(monitorDir, SUBDIR, f.fileName));
  }
}

async function endedCalls(db: Knex, linkedids: string[]): Promise<Set<string>> {
  const rows = (await db('cel_events')
    .where('eventtype', 'LINKEDID_END')
    .whereIn('linkedid', linkedids)
    .select('linkedid')) as { linkedid: string }[];
  return new Set(rows.map((r) => r.linkedid));
}

async function fromFiles(db: Knex, dir: string): Promise<Candidate[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const parsed = names.flatMap((fileName) => {
    const p = parseFileName(fileName);
    return p?.onDemand ? [{ fileName, ...p, onDemand: p.onDemand }] : [];
  });
  if (parsed.length === 0) return [];
  const known = new Set(
    (
      (await db('recordings')
        .whereIn(
          'file_name',
          parsed.map((p) => p.fileName),
        )
        .select('file_name')) as { file_name: string }[]
    ).map((r) => r.file_name),
  );
  const fresh = parsed.filter((p) => !known.has(p.fileName));
  if (fresh.length === 0) return [];
  const ended = await endedCalls(
    db,
    fresh.map((p) => p.linkedid),
  );
  return fresh
    .filter((p) => ended.has(p.linkedid))
    .map((p) => ({
      fileName: p.fileName,
      linkedid: p.linkedid,
      uniqueid: p.uniqueid,
      type: p.onDemand.type,
      ref: p.onDemand.ref,
      onDemand: true,
      startedAt: null,
    }));
}

function isTargetType(s: string): s is TargetType {
  return (TARGET_TYPES as readonly string[]).includes(s);
}

async function fileInfo(
  path: string,
): Promise<{ bytes: number; durationSeconds: number; mtime: Date } | null> {
  const st = await stat(path).catch(() => null);
  if (!st?.isFile()) return null;
  const wav = await readWavInfo(path).catch(() => null);
  if (!wav) return null;
  const settled = Date.now() - st.mtimeMs > SETTLE_MS;
  // Header sizes are written on close: until they match the file, Asterisk may still be writing.
  if (wav.dataBytes === 0 || wav.dataBytes > st.size) {
    if (!settled) return null;
  }
  return { bytes: st.size, durationSeconds: wav.durationSeconds, mtime: st.mtime };
}
