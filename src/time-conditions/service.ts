import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import argon2 from 'argon2';
import type { Knex } from 'knex';
import { touched } from '../apply/scope';
import type { Actor } from '../apply/trigger';
import type { Tx } from '../db/tx';
import { assertDestinationExists } from '../destinations';
import { assertUnreferenced, referrersOf, removeRefs, replaceRefs } from '../destinations/refs';
import { loadFeatureCodes } from '../feature-codes';
import { NotFoundError, UnprocessableError, ValidationError } from '../http/errors';
import { saveNamedRow } from '../lib/save-row';
import * as repo from './repo';
import { isOpenAt } from './schedule';
import type { OverrideMode, TimeConditionInput } from './schema';
import type { TimeConditionState } from './state';

// Asterisk reads zone files itself (GotoIfTime, STRFTIME): a zone Node knows but Asterisk's
// root lacks would silently run on UTC. The sounds directory sits at <root>/usr/share/asterisk/
// sounds, so the zone files are at <root>/usr/share/zoneinfo; when that is not visible from
// here (Asterisk on another host) only Intl's check applies.
export function zoneinfoDirFor(asteriskSoundsDir: string): string | null {
  const dir = resolve(asteriskSoundsDir, '..', '..', 'zoneinfo');
  return existsSync(dir) ? dir : null;
}

export function assertZoneInstalled(zoneinfoDir: string | null, timezone: string): void {
  if (!zoneinfoDir) return;
  let ok = false;
  try {
    ok = statSync(join(zoneinfoDir, timezone)).isFile();
  } catch {
    ok = false;
  }
  if (!ok)
    throw new ValidationError(
      [{ path: 'timezone', message: `Asterisk has no zone file for ${timezone}` }],
      'unknown time zone',
    );
}

export interface Context {
  actor: Actor;
  zoneinfoDir: string | null;
}

export async function listForRender(db: Knex): Promise<TimeConditionState[]> {
  return (await repo.list(db)).map((r) => r.state);
}

// The phone code that toggles the override: the admin may change or disable *28 on the
// feature-codes page, so it is read, not assumed.
async function overrideCode(db: Knex): Promise<string | null> {
  return (await loadFeatureCodes(db))['tc-override'] ?? null;
}

export function toApi(record: repo.TimeConditionRecord, code: string | null, now = new Date()) {
  const { row, state } = record;
  return {
    id: row.id,
    name: row.name,
    timezone: row.timezone,
    weekly: state.weekly,
    holidays: state.holidays,
    open_destination: state.openDestination,
    closed_destination: state.closedDestination,
    override: row.override,
    override_by: row.override_by,
    override_at: row.override_at,
    override_via: row.override_via,
    pin_set: row.override_pin_hash !== null,
    feature_code: code === null ? null : `${code}${row.id}`,
    status: isOpenAt(state, now),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
export type TimeConditionApi = ReturnType<typeof toApi>;

async function mustFind(db: Knex, id: number): Promise<repo.TimeConditionRecord> {
  const found = await repo.find(db, id);
  if (!found) throw new NotFoundError(`time condition ${id}`);
  return found;
}

export async function get(db: Knex, id: number) {
  const record = await mustFind(db, id);
  return {
    ...toApi(record, await overrideCode(db)),
    used_by: await referrersOf(db, { type: 'time-condition', target: id }),
  };
}

export async function listApi(db: Knex) {
  const now = new Date();
  const code = await overrideCode(db);
  return (await repo.list(db)).map((r) => toApi(r, code, now));
}

// Time conditions that lead into each other with no step in between would make Asterisk spin
// through Gotos forever: refuse a chain that comes back to where it started.
async function assertNoLoop(tx: Tx, id: number | null, input: TimeConditionInput): Promise<void> {
  const all = new Map((await repo.list(tx)).map((r) => [r.state.id, r.state]));
  const next = (dests: ReadonlyArray<{ type: string; target: string }>) =>
    dests.filter((d) => d.type === 'time-condition').map((d) => Number(d.target));
  const start = next([input.open_destination, input.closed_destination]);
  const seen = new Set<number>();
  const queue = [...start];
  while (queue.length > 0) {
    const cur = queue.shift()!;
    if (id !== null && cur === id) {
      throw new UnprocessableError('the time condition would lead back to itself', [
        { path: 'open_destination', message: 'time conditions form a loop' },
      ]);
    }
    if (seen.has(cur)) continue;
    seen.add(cur);
    const tc = all.get(cur);
    if (tc) queue.push(...next([tc.openDestination, tc.closedDestination]));
  }
}

export async function save(tx: Tx, id: number | null, input: TimeConditionInput, ctx: Context) {
  assertZoneInstalled(ctx.zoneinfoDir, input.timezone);
  await assertDestinationExists(tx, input.open_destination, 'open_destination');
  await assertDestinationExists(tx, input.closed_destination, 'closed_destination');
  await assertNoLoop(tx, id, input);
  const row: Record<string, unknown> = {
    name: input.name,
    timezone: input.timezone,
    open_destination_type: input.open_destination.type,
    open_destination_target: input.open_destination.target,
    closed_destination_type: input.closed_destination.type,
    closed_destination_target: input.closed_destination.target,
  };
  if (input.pin !== undefined)
    row['override_pin_hash'] =
      input.pin === null ? null : await argon2.hash(input.pin, { type: argon2.argon2id });
  if (input.override !== undefined) {
    Object.assign(row, overrideRow(input.override, ctx.actor.by, 'api'));
  }
  const tcId = await saveNamedRow(tx, 'time_conditions', id, row, 'time condition');
  await repo.replaceRules(tx, tcId, input.weekly, input.holidays);
  await replaceRefs(tx, { type: 'time-condition', id: tcId, name: input.name }, [
    { role: 'open', ...input.open_destination },
    { role: 'closed', ...input.closed_destination },
  ]);
  tx.afterCommit(() =>
    ctx.actor.requestApply(`time condition ${input.name} saved`, touched('timeConditions')),
  );
  return toApi(await mustFind(tx, tcId), await overrideCode(tx));
}

export async function remove(tx: Tx, id: number, actor: Actor): Promise<void> {
  const found = await mustFind(tx, id);
  await assertUnreferenced(tx, { type: 'time-condition', target: id }, `time condition "${found.row.name}"`);
  await tx('time_conditions').where({ id }).delete();
  await removeRefs(tx, { type: 'time-condition', id });
  tx.afterCommit(() =>
    actor.requestApply(`time condition ${found.row.name} deleted`, touched('timeConditions')),
  );
}

function overrideRow(mode: OverrideMode, by: string, via: repo.OverrideVia) {
  return { override: mode, override_by: by, override_at: new Date(), override_via: via };
}

export async function setOverride(
  tx: Tx,
  id: number,
  mode: OverrideMode,
  via: repo.OverrideVia,
  actor: Actor,
) {
  const found = await mustFind(tx, id);
  await tx('time_conditions')
    .where({ id })
    .update({ ...overrideRow(mode, actor.by, via), updated_at: tx.fn.now(3) });
  tx.afterCommit(() =>
    actor.requestApply(`time condition ${found.row.name} override ${mode}`, touched('timeConditions')),
  );
  return toApi(await mustFind(tx, id), await overrideCode(tx));
}

export async function setPin(tx: Tx, id: number, pin: string | null): Promise<void> {
  await mustFind(tx, id);
  const hash = pin === null ? null : await argon2.hash(pin, { type: argon2.argon2id });
  await tx('time_conditions')
    .where({ id })
    .update({ override_pin_hash: hash, updated_at: tx.fn.now(3) });
}

// The phone's toggle: automatic becomes the opposite of what the schedule says right now (the
// caller wants to change what happens now); a forced state goes back to automatic.
export function toggled(state: TimeConditionState, now: Date): OverrideMode {
  if (state.override !== 'auto') return 'auto';
  return isOpenAt(state, now).open ? 'closed' : 'open';
}

export async function pinHash(db: Knex, id: number): Promise<string | null> {
  const row = (await db('time_conditions').where({ id }).first('override_pin_hash')) as
    | { override_pin_hash: string | null }
    | undefined;
  return row?.override_pin_hash ?? null;
}
