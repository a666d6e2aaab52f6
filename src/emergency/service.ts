import argon2 from 'argon2';
import type { Knex } from 'knex';
import { touched } from '../apply/scope';
import type { Actor } from '../apply/trigger';
import type { Tx } from '../db/tx';
import { assertDestinationExists, type Destination } from '../destinations';
import { replaceRefs } from '../destinations/refs';
import { loadFeatureCodes } from '../feature-codes';
import { type ErrorDetail, UnprocessableError } from '../http/errors';
import type { EmergencyInput } from './schema';
import type { EmergencyState } from './state';

const LOG_SHOWN = 50;

export type Via = 'api' | 'ui' | 'phone';

interface SettingsRow {
  active: number | boolean;
  all_routes: number | boolean;
  route_ids: string;
  greeting_id: number | null;
  destination_type: string | null;
  destination_target: string | null;
  pin_hash: string | null;
}

interface LogRow {
  id: number;
  active: number | boolean;
  by: string;
  via: Via;
  at: Date;
}

async function settings(db: Knex, forUpdate = false): Promise<SettingsRow> {
  const q = db('emergency_settings').where({ id: 1 });
  if (forUpdate) q.forUpdate();
  return (await q.first()) as SettingsRow;
}

function toState(row: SettingsRow): EmergencyState {
  return {
    active: Boolean(row.active),
    allRoutes: Boolean(row.all_routes),
    routeIds: JSON.parse(row.route_ids) as number[],
    greetingId: row.greeting_id,
    destination:
      row.destination_type === null
        ? null
        : { type: row.destination_type, target: row.destination_target ?? '' },
    pinSet: row.pin_hash !== null,
  };
}

export async function loadForRender(db: Knex): Promise<EmergencyState> {
  return toState(await settings(db));
}

export async function get(db: Knex) {
  const state = toState(await settings(db));
  const log = (await db('emergency_log').orderBy('id', 'desc').limit(LOG_SHOWN)) as LogRow[];
  const entries = log.map((l) => ({ active: Boolean(l.active), by: l.by, via: l.via, at: l.at }));
  const last = entries[0] ?? null;
  return {
    active: state.active,
    all_routes: state.allRoutes,
    route_ids: state.routeIds,
    greeting_id: state.greetingId,
    destination: state.destination,
    pin_set: state.pinSet === true,
    // The admin may change or disable *99 on the feature-codes page.
    feature_code: (await loadFeatureCodes(db))['emergency'] ?? null,
    changed_by: last?.by ?? null,
    changed_at: last?.at ?? null,
    changed_via: last?.via ?? null,
    log: entries,
  };
}

// Emergency mode is only switched on with somewhere to send the calls: a greeting to play and a
// destination after it, and (for a chosen set) routes that exist.
function assertUsable(s: EmergencyState): void {
  const problems: ErrorDetail[] = [];
  if (s.greetingId === null) problems.push({ path: 'greeting_id', message: 'choose the emergency greeting' });
  if (s.destination === null) problems.push({ path: 'destination', message: 'choose where calls go next' });
  if (!s.allRoutes && s.routeIds.length === 0)
    problems.push({ path: 'route_ids', message: 'choose at least one inbound route, or all routes' });
  if (problems.length > 0)
    throw new UnprocessableError('emergency mode needs a greeting, a destination and routes', problems);
}

interface Resolved {
  active: boolean;
  all_routes: boolean;
  route_ids: number[];
  greeting_id: number | null;
  destination: Destination | null;
}

async function assertExists(db: Knex, input: Resolved, givenRoutes: boolean): Promise<void> {
  if (input.greeting_id !== null) {
    const found = await db('greetings').where({ id: input.greeting_id }).first('id');
    if (!found)
      throw new UnprocessableError(`greeting ${input.greeting_id} does not exist`, [
        { path: 'greeting_id', message: 'no such greeting' },
      ]);
  }
  if (input.destination) await assertDestinationExists(db, input.destination, 'destination');
  if (!givenRoutes) return;
  const found = (await db('inbound_routes').whereIn('id', input.route_ids).pluck('id')) as number[];
  const missing = input.route_ids.filter((r) => !found.includes(r));
  if (missing.length > 0)
    throw new UnprocessableError(
      `inbound route(s) ${missing.join(', ')} do not exist`,
      missing.map((r) => ({ path: 'route_ids', message: `no inbound route ${r}` })),
    );
}

async function record(tx: Tx, active: boolean, by: string, via: Via): Promise<void> {
  await tx('emergency_log').insert({ active, by, via });
}

export async function configure(tx: Tx, input: EmergencyInput, by: string, via: Via, actor: Actor) {
  const before = toState(await settings(tx, true));
  const resolved: Resolved = {
    active: input.active,
    all_routes: input.all_routes ?? before.allRoutes,
    // Kept routes that were deleted since they were chosen simply drop out of the set.
    route_ids:
      input.route_ids ??
      ((await tx('inbound_routes').whereIn('id', before.routeIds).pluck('id')) as number[]),
    greeting_id: input.greeting_id === undefined ? before.greetingId : input.greeting_id,
    destination:
      input.destination === undefined ? (before.destination as Destination | null) : input.destination,
  };
  await assertExists(tx, resolved, input.route_ids !== undefined);
  const next: EmergencyState = {
    active: resolved.active,
    allRoutes: resolved.all_routes,
    routeIds: [...new Set(resolved.route_ids)].sort((a, b) => a - b),
    greetingId: resolved.greeting_id,
    destination: resolved.destination,
  };
  if (next.active) assertUsable(next);
  await tx('emergency_settings')
    .where({ id: 1 })
    .update({
      active: next.active,
      all_routes: next.allRoutes,
      route_ids: JSON.stringify(next.routeIds),
      greeting_id: next.greetingId,
      destination_type: next.destination?.type ?? null,
      destination_target: next.destination?.target ?? null,
      updated_at: tx.fn.now(3),
    });
  await replaceRefs(tx, { type: 'emergency', id: 1, name: 'emergency mode' }, refsOf(next));
  if (before.active !== next.active) await record(tx, next.active, by, via);
  tx.afterCommit(() =>
    actor.requestApply(`emergency mode ${next.active ? 'on' : 'off'} by ${by}`, touched('emergency')),
  );
  return get(tx);
}

function refsOf(s: EmergencyState) {
  const refs: Array<{ role: string; type: string; target: string }> = [];
  if (s.greetingId !== null) refs.push({ role: 'greeting', type: 'greeting', target: String(s.greetingId) });
  if (s.destination) refs.push({ role: 'destination', ...(s.destination as Destination) });
  return refs;
}

// On or off, keeping the rest of the configuration: the UI's big switch and the *99 code.
export function setActive(tx: Tx, active: boolean, by: string, via: Via, actor: Actor) {
  return configure(tx, { active }, by, via, actor);
}

// The PIN decides whether *99 exists in the dialplan at all, hence the apply.
export async function setPin(tx: Tx, pin: string | null, actor: Actor): Promise<void> {
  const hash = pin === null ? null : await argon2.hash(pin, { type: argon2.argon2id });
  await tx('emergency_settings')
    .where({ id: 1 })
    .update({ pin_hash: hash, updated_at: tx.fn.now(3) });
  tx.afterCommit(() =>
    actor.requestApply(`emergency PIN ${pin === null ? 'removed' : 'set'}`, touched('emergency')),
  );
}

export async function pinHash(db: Knex): Promise<string | null> {
  return (await settings(db)).pin_hash;
}

export async function isActive(db: Knex): Promise<boolean> {
  return Boolean((await settings(db)).active);
}
