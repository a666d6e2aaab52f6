import type { RequestHandler, Router } from 'express';
import type { AnyStateSlice } from '../apply/load-state';
import type { Revision } from '../apply/revisions.repo';
import type { SealedColumn } from '../db/sealed-columns';
import type { Deps } from '../deps';
import type { RenderContribution } from '../render/render-all';

// The contract every feature implements: one object, exported from the feature's module.ts and
// listed once in src/features.ts. The core (render, apply, http, jobs) composes these and never
// names a feature; a new feature is its own folder plus one line in the registry.
export interface FeatureModule {
  name: string;
  // Its parts of the desired state (see render/state.ts) and how to read them from MySQL.
  state?: readonly AnyStateSlice[];
  // What it adds to Asterisk's configuration.
  render?: RenderContribution;
  // REST routes (mounted under /api/v1) and admin pages, in this order.
  api?: (deps: Deps) => readonly Mount[];
  pages?: (deps: Deps) => readonly Router[];
  // Multipart parsers: they run before the CSRF check, which reads the parsed form.
  uploads?: () => RequestHandler;
  // Work for the life of the process: ARI event handlers, schedules. Started in registry order,
  // stopped in reverse.
  start?: (deps: Deps) => Runtime;
  // Columns of its tables holding secrets sealed at rest (src/lib/sealed.ts); values still in
  // clear are sealed at start.
  sealed?: readonly SealedColumn[];
  // Shown on /readyz under details: reported, never judged.
  status?: (deps: Deps) => Promise<Record<string, unknown>>;
}

export interface Mount {
  path?: string; // absent: the router carries full paths
  router: Router;
}

export interface Runtime {
  stop(): Promise<void> | void;
  // Called after every apply, whatever its result.
  applied?(revision: Revision): void;
  jobs?: readonly Job[];
  // What the composition root hands to tests and the CLI (e.g. the analytics pipeline).
  handle?: object;
}

// A schedule of the process; node-cron syntax. Runs never overlap when noOverlap is set.
export interface Job {
  name: string;
  cron: string;
  run(): Promise<unknown>;
  noOverlap?: boolean;
}

// The common case: one REST router at one base path and one router of admin pages.
export function mountedAt(
  path: string,
  api: (deps: Deps) => Router,
  pages: (deps: Deps) => Router,
): Pick<FeatureModule, 'api' | 'pages'> {
  return { api: (deps) => [{ path, router: api(deps) }], pages: (deps) => [pages(deps)] };
}
