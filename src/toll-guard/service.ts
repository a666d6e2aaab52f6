import type { Knex } from 'knex';
import { touched } from '../apply/scope';
import type { Actor } from '../apply/trigger';
import type { Tx } from '../db/tx';
import { NotFoundError } from '../http/errors';
import * as repo from './repo';
import type { ExtensionTollLimitsInput, TrunkTollLimitsInput } from './schema';
import type { TollGuardState } from './state';

export interface ExtensionTollLimitsApi {
  extension: string;
  may_forward_externally: boolean;
  forward_max_concurrent: number;
  international: { max_concurrent: number | null; max_daily: number | null };
}

export interface TrunkTollLimitsApi {
  trunk_id: number;
  trunk: string;
  international: { max_concurrent: number | null; max_daily: number | null };
}

async function assertExtension(db: Knex, number: string, lock = false): Promise<void> {
  const q = db('extensions').where({ number }).first('number');
  if (!(await (lock ? q.forUpdate() : q))) throw new NotFoundError(`extension ${number}`);
}

const extApi = (number: string, r: repo.ExtensionLimitsRow): ExtensionTollLimitsApi => ({
  extension: number,
  may_forward_externally: r.may_forward_external,
  forward_max_concurrent: r.forward_max_concurrent,
  international: { max_concurrent: r.intl_max_concurrent, max_daily: r.intl_max_daily },
});

export async function getExtensionLimits(db: Knex, number: string): Promise<ExtensionTollLimitsApi> {
  await assertExtension(db, number);
  return extApi(number, await repo.extensionLimits(db, number));
}

export async function mayForwardExternally(db: Knex, number: string): Promise<boolean> {
  return (await repo.extensionLimits(db, number)).may_forward_external;
}

// The dialplan holds the permission and the limits (sb-fwd-external, sb-spend-ext): a change is
// an apply, so the very next call sees it, whatever astdb still holds.
export async function saveExtensionLimits(
  tx: Tx,
  number: string,
  input: ExtensionTollLimitsInput,
  actor: Actor,
): Promise<ExtensionTollLimitsApi> {
  await assertExtension(tx, number, true);
  const row: repo.ExtensionLimitsRow = {
    may_forward_external: input.may_forward_externally,
    forward_max_concurrent: input.forward_max_concurrent,
    intl_max_concurrent: input.international.max_concurrent,
    intl_max_daily: input.international.max_daily,
  };
  await repo.saveExtensionLimits(tx, number, row);
  tx.afterCommit(() => actor.requestApply(`toll limits of extension ${number} saved`, touched('tollGuard')));
  return extApi(number, row);
}

async function trunkNameOf(db: Knex, id: number): Promise<string> {
  const name = await repo.trunkName(db, id);
  if (!name) throw new NotFoundError(`trunk ${id}`);
  return name;
}

export async function getTrunkLimits(db: Knex, id: number): Promise<TrunkTollLimitsApi> {
  const trunk = await trunkNameOf(db, id);
  const r = await repo.trunkLimits(db, id);
  return {
    trunk_id: id,
    trunk,
    international: { max_concurrent: r.intl_max_concurrent, max_daily: r.intl_max_daily },
  };
}

export async function saveTrunkLimits(
  tx: Tx,
  id: number,
  input: TrunkTollLimitsInput,
  actor: Actor,
): Promise<TrunkTollLimitsApi> {
  const trunk = await trunkNameOf(tx, id);
  const row = {
    intl_max_concurrent: input.international.max_concurrent,
    intl_max_daily: input.international.max_daily,
  };
  await repo.saveTrunkLimits(tx, id, row);
  tx.afterCommit(() => actor.requestApply(`toll limits of trunk ${trunk} saved`, touched('tollGuard')));
  return { trunk_id: id, trunk, international: { ...input.international } };
}

export async function loadTollGuardState(db: Knex): Promise<TollGuardState> {
  const ext = await repo.allExtensionLimits(db);
  const d = repo.EXTENSION_DEFAULTS;
  return {
    forwardExternal: ext
      .filter((e) => e.may_forward_external)
      .map((e) => ({ extension: e.extension, maxConcurrent: e.forward_max_concurrent })),
    extensionLimits: ext
      .filter((e) => e.intl_max_concurrent !== d.intl_max_concurrent || e.intl_max_daily !== d.intl_max_daily)
      .map((e) => ({
        extension: e.extension,
        maxConcurrent: e.intl_max_concurrent,
        maxDaily: e.intl_max_daily,
      })),
    trunkLimits: (await repo.allTrunkLimits(db))
      .filter((t) => t.intl_max_concurrent !== null || t.intl_max_daily !== null)
      .map((t) => ({ trunk: t.trunk, maxConcurrent: t.intl_max_concurrent, maxDaily: t.intl_max_daily })),
  };
}
