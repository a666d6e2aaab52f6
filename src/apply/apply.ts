import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Knex } from 'knex';
import type { Ari } from '../asterisk/ari';
import { atomicWrite } from '../lib/atomic-write';
import { sha256 } from '../lib/crypto';
import type { Logger } from '../lib/log';
import { renderAll } from '../render/render-all';
import type { RenderedFile } from '../render/types';
import { loadDesiredState } from './load-state';
import { MemoryObjects } from './memory-objects';
import { MAX_PUSHED_OBJECTS, moduleFor, PJSIP_FILE } from './modules';
import { diffObjects, objectKey, type PjsipObject, pjsipObjects } from './pjsip-objects';
import { insertRevision, type Revision } from './revisions.repo';

// "Which Asterisk" is a parameter of the apply path, so one Switchboard can later drive several.
export interface AsteriskTarget {
  name: string;
  configDir: string;
  ari: Ari;
}

export interface ApplyRequest {
  by: string;
  reason: string;
}

export interface ApplyObserver {
  onApplied(revision: Revision): void;
}

interface Change {
  name: string;
  before: string | null;
  after: string;
}

interface Progress {
  written: Change[];
  reloaded: Set<string>;
  pushed: number;
  pjsipActivated: Change | null;
}

const PJSIP_CLASS = 'res_pjsip';

export class Applier {
  constructor(
    private readonly db: Knex,
    private readonly target: AsteriskTarget,
    private readonly log: Logger,
    private readonly observer?: ApplyObserver,
  ) {
    this.memory = new MemoryObjects(db, target.name);
  }

  private readonly memory: MemoryObjects;

  // render → diff by hash → atomic write → push/reload → verify → revision. Any failure after the
  // first write puts the previous bytes back and reloads Asterisk onto them.
  async run(requests: readonly ApplyRequest[]): Promise<Revision> {
    const started = Date.now();
    const base = {
      requestedBy: [...new Set(requests.map((r) => r.by))].join(', ') || 'system',
      reasons: [...new Set(requests.map((r) => r.reason))],
      startedAt: new Date(started).toISOString(),
    };
    const progress: Progress = { written: [], reloaded: new Set(), pushed: 0, pjsipActivated: null };
    let changes: Change[] = [];
    try {
      const files = renderAll(await loadDesiredState(this.db));
      changes = await this.diff(files);
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
      await this.write(changes, progress);
      await this.activate(changes, progress);
      await this.verify(changes);
      return await this.record({
        ...base,
        status: 'succeeded',
        filesChanged: changes.map((c) => c.name),
        modulesReloaded: [...progress.reloaded].sort(),
        objectsPushed: progress.pushed,
        error: null,
        durationMs: Date.now() - started,
      });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.log.error({ err: reason, target: this.target.name }, 'apply failed, restoring previous config');
      await this.rollback(progress);
      return await this.record({
        ...base,
        status: 'failed',
        filesChanged: changes.map((c) => c.name),
        modulesReloaded: [...progress.reloaded].sort(),
        objectsPushed: progress.pushed,
        error: reason,
        durationMs: Date.now() - started,
      });
    }
  }

  private async diff(files: RenderedFile[]): Promise<Change[]> {
    const changes: Change[] = [];
    for (const file of files) {
      const before = await readOptional(join(this.target.configDir, file.name));
      if (before === null || sha256(before) !== sha256(file.content)) {
        changes.push({ name: file.name, before, after: file.content });
      }
    }
    return changes;
  }

  private async write(changes: Change[], progress: Progress): Promise<void> {
    for (const change of changes) {
      await atomicWrite(join(this.target.configDir, change.name), change.after);
      progress.written.push(change);
    }
  }

  private async activate(changes: Change[], progress: Progress): Promise<void> {
    for (const change of changes) {
      if (change.name === PJSIP_FILE) {
        progress.pjsipActivated = change;
        await this.syncPjsip(pjsipObjects(change.before ?? ''), pjsipObjects(change.after), progress);
        continue;
      }
      const module = moduleFor(change.name);
      if (!progress.reloaded.has(module)) {
        progress.reloaded.add(module);
        await this.target.ari.reloadModule(module);
      }
    }
  }

  // Small changes are pushed object by object (milliseconds, no reload). Deletes and large
  // changes reload res_pjsip from the file, then bring any memory copy in line with the file:
  // memory copies outrank the file, and one is only deleted once the file no longer has its id.
  private async syncPjsip(before: PjsipObject[], after: PjsipObject[], progress: Progress): Promise<void> {
    const { ari } = this.target;
    const diff = diffObjects(before, after);
    const started = (await ari.info()).status?.startup_time ?? 'unknown';
    const inMemory = await this.memory.load(started);
    const push = async (objects: PjsipObject[]) => {
      for (const obj of objects) {
        await ari.pushObject(PJSIP_CLASS, obj.type, obj.id, obj.fields);
        progress.pushed++;
      }
      await this.memory.add(objects.map(objectKey), started);
    };
    const drop = async (objects: PjsipObject[]) => {
      for (const obj of objects) {
        if (await ari.deleteObject(PJSIP_CLASS, obj.type, obj.id)) progress.pushed++;
      }
      await this.memory.remove(objects.map(objectKey));
    };
    if (
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
    const lost = new Set(diff.lostFields.map(objectKey));
    await push(diff.upserts.filter((o) => remembered(o) && !lost.has(objectKey(o))));
    // Every deleted id, not only the remembered ones: another database (a restore, a test run)
    // may have pushed it. With the file reloaded, deleting a memory copy is safe; a miss is a 404.
    await drop(diff.deletes);
  }

  private async verify(changes: Change[]): Promise<void> {
    const { ari } = this.target;
    for (const change of changes) {
      if (change.name === PJSIP_FILE) {
        const expected = endpointIds(change.after);
        const removed = [...endpointIds(change.before ?? '')].filter((id) => !expected.has(id));
        const present = new Set((await ari.listEndpoints('PJSIP')).map((e) => e.resource));
        const missing = [...expected].filter((id) => !present.has(id));
        // ARI keeps listing a deleted PJSIP endpoint (a persistent stasis endpoint), so absence
        // is checked against the configuration objects instead.
        const lingering: string[] = [];
        for (const id of removed) {
          if (await ari.objectExists(PJSIP_CLASS, 'endpoint', id)) lingering.push(id);
        }
        if (missing.length > 0 || lingering.length > 0) {
          throw new Error(
            `verify: Asterisk does not show the rendered endpoints (missing: ${sample(missing)}; still present: ${sample(lingering)})`,
          );
        }
      } else {
        const mod = await ari.request<{ status?: string }>(
          'GET',
          `/asterisk/modules/${moduleFor(change.name)}`,
        );
        if (mod.status !== 'Running')
          throw new Error(`verify: ${moduleFor(change.name)} is ${mod.status ?? 'not loaded'}`);
      }
    }
  }

  private async rollback(progress: Progress): Promise<void> {
    const { ari } = this.target;
    for (const change of progress.written.reverse()) {
      const path = join(this.target.configDir, change.name);
      try {
        if (change.before === null) await unlink(path);
        else await atomicWrite(path, change.before);
      } catch (err) {
        this.log.error({ err: (err as Error).message, file: change.name }, 'could not restore a config file');
      }
    }
    try {
      const pjsip = progress.pjsipActivated;
      const retry: Progress = { written: [], reloaded: new Set(), pushed: 0, pjsipActivated: null };
      if (pjsip) await this.syncPjsip(pjsipObjects(pjsip.after), pjsipObjects(pjsip.before ?? ''), retry);
      for (const module of progress.reloaded) if (!retry.reloaded.has(module)) await ari.reloadModule(module);
    } catch (err) {
      // Asterisk unreachable: it never received the new config, so it still runs the old one.
      this.log.warn({ err: (err as Error).message }, 'could not reload Asterisk onto the restored config');
    }
  }

  private async record(rev: Omit<Revision, 'id'>): Promise<Revision> {
    const saved = await insertRevision(this.db, rev);
    this.observer?.onApplied(saved);
    return saved;
  }
}

function endpointIds(file: string): Set<string> {
  return new Set(
    pjsipObjects(file)
      .filter((o) => o.type === 'endpoint')
      .map((o) => o.id),
  );
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
