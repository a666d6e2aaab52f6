import { readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Knex } from 'knex';
import type { Ari } from '../asterisk/ari';
import { atomicWrite } from '../lib/atomic-write';
import type { Logger } from '../lib/log';
import type { DesiredState, RenderedFile } from '../render/state';
import type { DesiredStateLoader } from './load-state';
import { MemoryObjects } from './memory-objects';
import { MAX_PUSHED_OBJECTS, moduleFor, PJSIP_FILE } from './modules';
import {
  deleteOrder,
  diffObjects,
  objectKey,
  type PjsipObject,
  type PjsipType,
  parseObjectKey,
  pjsipObjects,
} from './pjsip-objects';
import { insertRevision, type Revision } from './revisions.repo';
import { type ApplyScope, mergeScopes } from './scope';

// "Which Asterisk" is a parameter of the apply path, so one Switchboard can later drive several.
export interface AsteriskTarget {
  name: string;
  configDir: string;
  ari: Ari;
}

export interface ApplyRequest {
  by: string;
  reason: string;
  // What this write touched; null or absent means "anything may have changed".
  scope?: ApplyScope | null;
}

export interface ApplyObserver {
  onApplied(revision: Revision): void;
}

interface Change {
  name: string;
  before: string | null;
  after: RenderedFile;
}

interface Progress {
  written: Change[];
  reloaded: Set<string>;
  pushed: number;
  pjsip: { before: PjsipObject[]; after: PjsipObject[] } | null;
}

const PJSIP_CLASS = 'res_pjsip';

export class Applier {
  private readonly memory: MemoryObjects;
  // What the last successful apply wrote, so the next one can diff section by section.
  private lastPjsip: RenderedFile | null = null;
  // size and mtime of each file as this process last wrote it: unchanged means not re-read.
  private readonly written = new Map<string, { content: string; size: number; mtimeMs: number }>();
  // Whether apply_marks holds this target's row; null until the first apply has read it.
  private marked: boolean | null = null;

  constructor(
    db: Knex,
    private readonly target: AsteriskTarget,
    // The features' state loader and renderer, composed by the registry (src/features.ts).
    private readonly loader: DesiredStateLoader,
    private readonly render: (state: DesiredState) => RenderedFile[],
    private readonly log: Logger,
    private readonly observer?: ApplyObserver,
  ) {
    this.db = db;
    this.memory = new MemoryObjects(db, target.name);
  }

  private readonly db: Knex;

  // render → diff → atomic write → push/reload → verify → revision. Any failure after the first
  // write puts the previous bytes back and brings Asterisk back onto them.
  async run(requests: readonly ApplyRequest[]): Promise<Revision> {
    const started = Date.now();
    const base = {
      requestedBy: [...new Set(requests.map((r) => r.by))].join(', ') || 'system',
      reasons: [...new Set(requests.map((r) => r.reason))],
      startedAt: new Date(started).toISOString(),
    };
    const progress: Progress = { written: [], reloaded: new Set(), pushed: 0, pjsip: null };
    let changes: Change[] = [];
    const finish = (status: 'succeeded' | 'failed', error: string | null) =>
      this.record({
        ...base,
        status,
        filesChanged: changes.map((c) => c.name),
        modulesReloaded: [...progress.reloaded].sort(),
        objectsPushed: progress.pushed,
        error,
        durationMs: Date.now() - started,
      });
    const steps: Record<string, number> = {};
    let mark = performance.now();
    const step = (name: string) => {
      const t = performance.now();
      steps[name] = Math.round((t - mark) * 10) / 10;
      mark = t;
    };
    try {
      const files = this.render(await this.loader.load(mergeScopes(requests.map((r) => r.scope))));
      step('render');
      changes = await this.diff(files);
      step('diff');
      const rendered = files.find((f) => f.name === PJSIP_FILE);
      const recovering = await this.interrupted();
      if (recovering && rendered && !changes.some((c) => c.name === PJSIP_FILE)) {
        changes.push({ name: PJSIP_FILE, before: rendered.content, after: rendered });
      }
      if (changes.length === 0) {
        return await this.record({
          ...base,
          status: 'unchanged',
          filesChanged: [],
          modulesReloaded: [],
          objectsPushed: 0,
          error: null,
          durationMs: Date.now() - started,
        });
      }
      // Marked until Asterisk holds what the files say: a process killed in between leaves the
      // mark, and the next apply does not take the files on disk for what Asterisk has.
      await this.mark(true);
      await this.write(changes, progress);
      step('write');
      await this.activate(changes, progress, recovering);
      step('activate');
      await this.verify(changes, progress);
      step('verify');
      this.log.debug({ steps }, 'apply timings');
      const pjsip = changes.find((c) => c.name === PJSIP_FILE);
      if (pjsip) this.lastPjsip = pjsip.after;
      await this.mark(false);
      return await finish('succeeded', null);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.log.error({ err: reason, target: this.target.name }, 'apply failed, restoring previous config');
      this.loader.forget();
      this.lastPjsip = null;
      this.written.clear();
      const restored = await this.rollback(progress);
      // Still marked while Asterisk's state is uncertain (it did not answer the rollback either).
      if (restored) await this.mark(false).catch(() => undefined);
      return await finish('failed', reason);
    }
  }

  private async diff(files: RenderedFile[]): Promise<Change[]> {
    const changes: Change[] = [];
    for (const file of files) {
      const before = await this.readCurrent(file.name);
      if (before !== file.content) changes.push({ name: file.name, before, after: file });
    }
    return changes;
  }

  // A 3 MB pjsip.conf is not re-read when its size and mtime are what this process wrote.
  private async readCurrent(name: string): Promise<string | null> {
    const path = join(this.target.configDir, name);
    const known = this.written.get(name);
    if (known) {
      const st = await stat(path).catch(() => null);
      if (st && st.size === known.size && st.mtimeMs === known.mtimeMs) return known.content;
    }
    return readOptional(path);
  }

  private async write(changes: Change[], progress: Progress): Promise<void> {
    for (const change of changes) {
      const path = join(this.target.configDir, change.name);
      this.written.delete(change.name);
      // 0640: pjsip.conf holds every SIP secret; Asterisk reads it through the directory's group.
      await atomicWrite(path, change.after.content, 0o640).catch((err: unknown) => {
        throw new Error(writeFailure(change.name, err));
      });
      progress.written.push(change);
      const st = await stat(path);
      this.written.set(change.name, { content: change.after.content, size: st.size, mtimeMs: st.mtimeMs });
    }
  }

  private async mark(on: boolean): Promise<void> {
    const marks = this.db('apply_marks');
    if (on) await marks.insert({ target: this.target.name, pid: process.pid }).onConflict('target').merge();
    else await marks.where({ target: this.target.name }).delete();
    this.marked = on;
  }

  // The mark of an apply that died half-way, in this process or an earlier one. Only the first
  // apply of a process reads it from MySQL; after that this process set or cleared it itself.
  private async interrupted(): Promise<boolean> {
    this.marked ??= (await this.db('apply_marks').where({ target: this.target.name }).first()) !== undefined;
    const found = this.marked;
    if (found)
      this.log.warn(
        {},
        'an earlier apply was interrupted: Asterisk reads PJSIP objects from the files again',
      );
    return found;
  }

  // PJSIP first: a new phone can register while the rest of the apply goes on.
  private async activate(changes: Change[], progress: Progress, recovering: boolean): Promise<void> {
    const ordered = [...changes].sort(
      (a, b) => Number(b.name === PJSIP_FILE) - Number(a.name === PJSIP_FILE),
    );
    for (const change of ordered) {
      if (change.name === PJSIP_FILE) {
        progress.pjsip = this.changedObjects(change);
        if (recovering) await this.dropRemembered(progress);
        await this.syncPjsip(progress.pjsip.before, progress.pjsip.after, progress, recovering);
        continue;
      }
      const module = moduleFor(change.name);
      if (!progress.reloaded.has(module)) {
        progress.reloaded.add(module);
        await this.target.ari.reloadModule(module);
      }
    }
  }

  // The objects of the sections that differ. When the file on disk is what this process last
  // wrote, only changed sections are parsed; otherwise (start-up, an edit by hand) the whole file.
  private changedObjects(change: Change): { before: PjsipObject[]; after: PjsipObject[] } {
    const last = this.lastPjsip;
    const next = change.after.sections;
    if (!last?.sections || !next || change.before !== last.content) {
      return { before: pjsipObjects(change.before ?? ''), after: pjsipObjects(change.after.content) };
    }
    const before: string[] = [];
    const after: string[] = [];
    for (const [id, text] of next) {
      const old = last.sections.get(id);
      if (old !== text) {
        if (old !== undefined) before.push(old);
        after.push(text);
      }
    }
    for (const [id, text] of last.sections) if (!next.has(id)) before.push(text);
    return { before: pjsipObjects(before.join('')), after: pjsipObjects(after.join('')) };
  }

  // After an apply died half-way, what Asterisk holds is unknown: each memory copy this database
  // pushed is deleted (the reload follows at once, so none shadows a file object for long), and
  // the sync then reloads res_pjsip from the full file.
  private async dropRemembered(progress: Progress): Promise<void> {
    const remembered = await this.memory.load(await this.target.ari.startedAt());
    await this.dropCopies([...remembered].map(parseObjectKey).sort(deleteOrder), progress);
  }

  private async dropCopies(objects: ReadonlyArray<{ type: PjsipType; id: string }>, progress: Progress) {
    const { ari } = this.target;
    const endpoints: string[] = [];
    for (const obj of objects) {
      if (await ari.deleteObject(PJSIP_CLASS, obj.type, obj.id)) {
        progress.pushed++;
        if (obj.type === 'endpoint') endpoints.push(obj.id);
      }
    }
    await this.memory.remove(objects.map(objectKey));
    // Deleting an endpoint's memory copy removes its live (stasis) endpoint later, from a sorcery
    // observer on another thread, by id. Were the same id pushed again before that ran, the
    // observer would remove the new endpoint's live state: no device state, ARI 404. So the apply
    // waits for the removal, which takes milliseconds.
    await waitGone(ari, endpoints);
  }

  // Small changes are pushed object by object (milliseconds, no reload). Deletes and large
  // changes reload res_pjsip from the file, then bring memory copies in line with the file:
  // memory copies outrank the file, and one is only deleted once the file no longer has its id.
  private async syncPjsip(
    before: PjsipObject[],
    after: PjsipObject[],
    progress: Progress,
    reload = false,
  ): Promise<void> {
    const { ari } = this.target;
    const diff = diffObjects(before, after);
    const started = await ari.startedAt();
    const inMemory = await this.memory.load(started);
    const push = async (objects: PjsipObject[]) => {
      // Remembered before pushing: a process killed half-way must find every copy it made.
      await this.memory.add(objects.map(objectKey), started);
      for (const obj of objects) {
        await ari.pushObject(PJSIP_CLASS, obj.type, obj.id, obj.fields);
        progress.pushed++;
      }
    };
    const drop = (objects: PjsipObject[]) => this.dropCopies(objects, progress);
    if (
      !reload &&
      diff.deletes.length === 0 &&
      diff.lostFields.length === 0 &&
      diff.upserts.length <= MAX_PUSHED_OBJECTS
    ) {
      await push(diff.upserts);
      return;
    }
    const remembered = (o: PjsipObject) => inMemory.has(objectKey(o));
    // NOTE: a memory copy that lost a field can only be replaced: delete it right before the reload.
    await drop(diff.lostFields.filter(remembered));
    progress.reloaded.add('res_pjsip.so');
    await ari.reloadModule('res_pjsip.so');
    // Every changed object that already existed may have a memory copy that outranks the file
    // (pushed by this database or another: a restore, another test run), so each is pushed again.
    // New ids cannot have one, which keeps a first apply of 10,000 extensions a single reload.
    const lost = new Set(diff.lostFields.map(objectKey));
    const existed = new Set(before.map(objectKey));
    // Every deleted id, not only the remembered ones: another database (a restore, a test run)
    // may have pushed it. With the file reloaded, deleting a memory copy is safe; a miss is a 404.
    // Deletes go before pushes, so no push races the deferred removal of a deleted endpoint.
    await drop(diff.deletes);
    // A small batch pushes new ids too, so what Asterisk shows does not rest on the reload alone
    // having read them (a mixed batch of deletes and creates); a large one (a first apply of
    // 10,000 extensions) stays a single reload.
    const small = diff.upserts.length <= MAX_PUSHED_OBJECTS;
    await push(
      diff.upserts.filter(
        (o) => (small || existed.has(objectKey(o)) || remembered(o)) && !lost.has(objectKey(o)),
      ),
    );
  }

  private async verify(changes: Change[], progress: Progress): Promise<void> {
    const { ari } = this.target;
    for (const change of changes) {
      if (change.name === PJSIP_FILE && progress.pjsip) {
        const { before, after } = progress.pjsip;
        const expected = endpointIds(after);
        const missing: string[] = [];
        if (expected.size > 20) {
          const present = new Set((await ari.listEndpoints('PJSIP')).map((e) => e.resource));
          missing.push(...[...expected].filter((id) => !present.has(id)));
        } else {
          for (const id of expected) if (!(await ari.getEndpoint('PJSIP', id))) missing.push(id);
        }
        // Each changed object as sorcery resolves it now (memory copy, else the file), field by
        // field for what Switchboard sets; each deleted one must be gone. ARI keeps listing a
        // deleted PJSIP endpoint (a persistent stasis endpoint), so absence is checked against
        // the configuration objects. A first apply of thousands checks a spread sample.
        const wrong: string[] = [];
        const afterKeys = new Set(after.map(objectKey));
        const removed = before.filter((o) => !afterKeys.has(objectKey(o)));
        await inParallel(spread(after, VERIFIED_OBJECTS), async (obj) => {
          const held = await ari.getObject(PJSIP_CLASS, obj.type, obj.id);
          const diff = held ? fieldMismatch(obj, held) : 'absent';
          if (diff) wrong.push(`${objectKey(obj)} ${diff}`);
        });
        await inParallel(spread(removed, VERIFIED_OBJECTS), async (obj) => {
          if (await ari.objectExists(PJSIP_CLASS, obj.type, obj.id))
            wrong.push(`${objectKey(obj)} still present`);
        });
        if (missing.length > 0 || wrong.length > 0) {
          throw new Error(
            `verify: Asterisk does not hold what was rendered (endpoints missing: ${sample(missing)}; objects: ${sample(wrong)})`,
          );
        }
      } else if (change.name !== PJSIP_FILE) {
        const mod = await ari.getModule(moduleFor(change.name));
        if (mod.status !== 'Running')
          throw new Error(`verify: ${moduleFor(change.name)} is ${mod.status ?? 'not loaded'}`);
      }
    }
  }

  private async rollback(progress: Progress): Promise<boolean> {
    const { ari } = this.target;
    for (const change of progress.written.reverse()) {
      const path = join(this.target.configDir, change.name);
      try {
        if (change.before === null) await unlink(path);
        else await atomicWrite(path, change.before, 0o640);
      } catch (err) {
        this.log.error({ err: (err as Error).message, file: change.name }, 'could not restore a config file');
      }
    }
    try {
      const retry: Progress = { written: [], reloaded: new Set(), pushed: 0, pjsip: null };
      if (progress.pjsip) await this.syncPjsip(progress.pjsip.after, progress.pjsip.before, retry);
      for (const module of progress.reloaded) if (!retry.reloaded.has(module)) await ari.reloadModule(module);
      return true;
    } catch (err) {
      // Asterisk unreachable: it may or may not have taken part of the new config.
      this.log.warn({ err: (err as Error).message }, 'could not reload Asterisk onto the restored config');
      return false;
    }
  }

  private async record(rev: Omit<Revision, 'id'>): Promise<Revision> {
    const saved = await insertRevision(this.db, rev);
    this.observer?.onApplied(saved);
    return saved;
  }
}

function endpointIds(objects: PjsipObject[]): Set<string> {
  return new Set(objects.filter((o) => o.type === 'endpoint').map((o) => o.id));
}

// What the admin reads in the apply history: which file, and the reason in words (a full disk is
// the usual one), not only errno's text.
const WRITE_REASONS: Record<string, string> = {
  ENOSPC: 'the disk is full (no space left on device)',
  EDQUOT: 'the disk quota is exhausted',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EIO: 'an input/output error (a failing disk?)',
};

function writeFailure(file: string, err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const reason =
    typeof code === 'string' && WRITE_REASONS[code]
      ? `${WRITE_REASONS[code]} (${code})`
      : err instanceof Error
        ? err.message
        : String(err);
  return `could not write ${file}: ${reason}; Asterisk keeps the previous configuration`;
}

// Objects read back through ARI after an apply (about 1 ms each, four at a time); beyond this
// many, an even spread of them.
const VERIFIED_OBJECTS = 400;

async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(4, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

function spread<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  const step = items.length / max;
  return Array.from({ length: max }, (_, i) => items[Math.floor(i * step)]!);
}

// Fields whose value Asterisk reports in the form Switchboard writes (or one mapped here); the
// rest (callerid quoting, booleans as true/false, disallow) are formatted by Asterisk.
const COMPARED = new Set([
  'username',
  'password',
  'auth_type',
  'max_contacts',
  'context',
  'allow',
  'auth',
  'aors',
  'mailboxes',
  'language',
  'dtmf_mode',
  'rtp_timeout',
  'rtp_timeout_hold',
  'timers_sess_expires',
]);

export function fieldMismatch(obj: PjsipObject, held: Record<string, string>): string | null {
  for (const [name, value] of obj.fields) {
    if (!COMPARED.has(name)) continue;
    const have = held[name] ?? '';
    const same = name === 'allow' ? codecList(have) === codecList(value) : have === value;
    if (!same) return `${name} is ${name === 'password' ? '(other secret)' : JSON.stringify(have)}`;
  }
  return null;
}

// "(ulaw|alaw)" as Asterisk reports it, "ulaw,alaw" as written.
function codecList(value: string): string {
  return value
    .replace(/[()]/g, '')
    .split(/[|,]/)
    .map((c) => c.trim())
    .filter(Boolean)
    .join(',');
}

async function waitGone(ari: Ari, endpoints: readonly string[]): Promise<void> {
  const deadline = Date.now() + 500;
  for (const id of endpoints) {
    while ((await ari.getEndpoint('PJSIP', id)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2));
    }
  }
}

function sample(ids: string[]): string {
  if (ids.length === 0) return 'none';
  return ids.length > 5 ? `${ids.slice(0, 5).join(', ')} and ${ids.length - 5} more` : ids.join(', ');
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
