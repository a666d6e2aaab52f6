import type { Knex } from 'knex';
import type { DesiredState, DialplanSettings, SliceKey } from '../render/state';
import type { ApplyScope } from './scope';

// One feature's part of the desired state and how to read it. A feature module lists its slices;
// the loader below knows only this shape, never a feature.
export interface StateSlice<K extends SliceKey = SliceKey> {
  key: K;
  // Parts whose change can change this one's rows (a join, a cascading delete): re-read with them.
  readsAlso?: readonly SliceKey[];
  load(db: Knex, settings: DialplanSettings): Promise<DesiredState[K]>;
  // For parts with many rows: read just these ids. Rows absent from the result were deleted.
  loadSome?: { id(row: RowOf<K>): string; read(db: Knex, ids: readonly string[]): Promise<RowOf<K>[]> };
}

type RowOf<K extends SliceKey> = NonNullable<DesiredState[K]> extends ReadonlyArray<infer R> ? R : never;

export type AnyStateSlice = { [K in SliceKey]: StateSlice<K> }[SliceKey];

// The renderer's only database reads. Keeps the last state it read: a write that says what it
// touched (ApplyScope) makes the next load re-read that and what reads it, nothing else.
export class DesiredStateLoader {
  private last: Map<SliceKey, unknown> | null = null;

  constructor(
    private readonly db: Knex,
    private readonly settings: DialplanSettings,
    private readonly slices: readonly AnyStateSlice[],
  ) {}

  async load(scope: ApplyScope | null): Promise<DesiredState> {
    const last = this.last;
    const next = new Map<SliceKey, unknown>();
    const stale = last && scope ? this.staleSlices(scope) : null;
    for (const slice of this.slices) {
      if (last && stale && !stale.has(slice.key) && last.has(slice.key)) {
        next.set(slice.key, last.get(slice.key));
        continue;
      }
      const ids = scope?.[slice.key];
      const previous = last?.get(slice.key);
      if (last && stale && Array.isArray(ids) && slice.loadSome && previous !== undefined) {
        next.set(slice.key, await this.reloadRows(slice as StateSlice, previous, ids as readonly string[]));
      } else {
        next.set(slice.key, await slice.load(this.db, this.settings));
      }
    }
    this.last = next;
    return { settings: this.settings, ...Object.fromEntries(next) } as DesiredState;
  }

  // After a failed or interrupted apply nothing cached can be trusted.
  forget(): void {
    this.last = null;
  }

  // The touched parts and, transitively, every part that reads one of them.
  private staleSlices(scope: ApplyScope): Set<SliceKey> {
    const stale = new Set(Object.keys(scope) as SliceKey[]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const slice of this.slices) {
        if (!stale.has(slice.key) && slice.readsAlso?.some((k) => stale.has(k))) {
          stale.add(slice.key);
          grew = true;
        }
      }
    }
    return stale;
  }

  // Replaces the changed rows in place, keeping every unchanged row's object (the renderer
  // memoises by object: 10,000 extensions and one changed renders one).
  private async reloadRows(slice: StateSlice, previous: unknown, ids: readonly string[]): Promise<unknown> {
    const some = slice.loadSome as unknown as {
      id(row: unknown): string;
      read(db: Knex, ids: readonly string[]): Promise<unknown[]>;
    };
    const keyed = new Map((previous as unknown[]).map((row) => [some.id(row), row]));
    const freshById = new Map((await some.read(this.db, ids)).map((row) => [some.id(row), row]));
    for (const id of ids) {
      const row = freshById.get(id);
      if (row) keyed.set(id, row);
      else keyed.delete(id);
    }
    return [...keyed.values()];
  }
}
