import type { Knex } from 'knex';
import { touched } from '../apply/scope';
import type { Actor } from '../apply/trigger';
import { mapDbError } from '../db/mysql-errors';
import type { Tx } from '../db/tx';
import { assertDestinationExists } from '../destinations';
import { removeRefs, replaceRefs } from '../destinations/refs';
import { NotFoundError, UnprocessableError } from '../http/errors';
import { saveNamedRow } from '../lib/save-row';
import type { InboundRouteInput, OutboundRouteInput } from './schema';
import type { BlockedCallerState, InboundRouteState, OutboundRouteState } from './state';

interface OutboundRow {
  id: number;
  name: string;
  position: number;
  patterns: string;
  strip: number;
  prepend: string;
  caller_id_number: string | null;
  class: string;
}

interface InboundRow {
  id: number;
  name: string;
  position: number;
  did: string;
  caller_id: string | null;
  destination_type: string;
  destination_target: string;
  caller_id_name_prefix: string;
  queue_priority: number;
  language: string | null;
}

// ---- outbound routes

export async function listOutbound(db: Knex): Promise<OutboundRouteState[]> {
  const rows = (await db('outbound_routes').orderBy([
    { column: 'position' },
    { column: 'id' },
  ])) as OutboundRow[];
  const links = (await db('outbound_route_trunks')
    .join('trunks', 'trunks.id', 'outbound_route_trunks.trunk_id')
    .orderBy('outbound_route_trunks.position')
    .select('route_id', 'trunk_id', 'trunks.name')) as Array<{
    route_id: number;
    trunk_id: number;
    name: string;
  }>;
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    position: r.position,
    patterns: JSON.parse(r.patterns) as string[],
    strip: r.strip,
    prepend: r.prepend,
    callerIdNumber: r.caller_id_number,
    class: r.class,
    trunks: links.filter((l) => l.route_id === r.id).map((l) => l.name),
    trunkIds: links.filter((l) => l.route_id === r.id).map((l) => l.trunk_id),
  }));
}

export function outboundToApi(r: OutboundRouteState & { trunkIds?: number[] }) {
  return {
    id: r.id,
    name: r.name,
    position: r.position,
    patterns: r.patterns,
    strip: r.strip,
    prepend: r.prepend,
    caller_id_number: r.callerIdNumber,
    class: r.class,
    trunk_ids: r.trunkIds ?? [],
    trunks: r.trunks,
  };
}

export async function saveOutbound(tx: Tx, id: number | null, input: OutboundRouteInput, actor: Actor) {
  const found = (await tx('trunks').whereIn('id', input.trunk_ids).pluck('id')) as number[];
  const missing = input.trunk_ids.filter((t) => !found.includes(t));
  if (missing.length > 0) {
    throw new UnprocessableError(
      `trunk(s) ${missing.join(', ')} do not exist`,
      missing.map((t) => ({ path: 'trunk_ids', message: `no trunk ${t}` })),
    );
  }
  if (new Set(input.trunk_ids).size !== input.trunk_ids.length) {
    throw new UnprocessableError('a trunk may appear only once in a route', [
      { path: 'trunk_ids', message: 'repeated trunk' },
    ]);
  }
  const row = {
    name: input.name,
    patterns: JSON.stringify(input.patterns),
    strip: input.strip,
    prepend: input.prepend,
    caller_id_number: input.caller_id_number,
    class: input.class,
    position: input.position ?? (await nextPosition(tx, 'outbound_routes')),
  };
  const routeId = await saveNamedRow(tx, 'outbound_routes', id, row, 'outbound route');
  await tx('outbound_route_trunks').where({ route_id: routeId }).delete();
  await tx('outbound_route_trunks').insert(
    input.trunk_ids.map((trunk_id, i) => ({ route_id: routeId, trunk_id, position: i + 1 })),
  );
  tx.afterCommit(() => actor.requestApply(`outbound route ${input.name} saved`, touched('outboundRoutes')));
  return outboundToApi((await listOutbound(tx)).find((r) => r.id === routeId)!);
}

export async function removeOutbound(tx: Tx, id: number, actor: Actor): Promise<void> {
  if ((await tx('outbound_routes').where({ id }).delete()) === 0)
    throw new NotFoundError(`outbound route ${id}`);
  tx.afterCommit(() => actor.requestApply(`outbound route ${id} deleted`, touched('outboundRoutes')));
}

// ---- inbound routes

export async function listInbound(db: Knex): Promise<InboundRouteState[]> {
  const rows = (await db('inbound_routes').orderBy([
    { column: 'position' },
    { column: 'id' },
  ])) as InboundRow[];
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    position: r.position,
    did: r.did,
    callerId: r.caller_id,
    destination: { type: r.destination_type, target: r.destination_target },
    callerIdNamePrefix: r.caller_id_name_prefix,
    queuePriority: r.queue_priority,
    language: r.language,
  }));
}

export function inboundToApi(r: InboundRouteState) {
  return {
    id: r.id,
    name: r.name,
    position: r.position,
    did: r.did,
    caller_id: r.callerId,
    destination: r.destination,
    caller_id_name_prefix: r.callerIdNamePrefix,
    queue_priority: r.queuePriority ?? 0,
    language: r.language ?? null,
  };
}

export async function saveInbound(tx: Tx, id: number | null, input: InboundRouteInput, actor: Actor) {
  await assertDestinationExists(tx, input.destination);
  const row = {
    name: input.name,
    did: input.did,
    caller_id: input.caller_id,
    destination_type: input.destination.type,
    destination_target: input.destination.target,
    caller_id_name_prefix: input.caller_id_name_prefix,
    queue_priority: input.queue_priority,
    language: input.language,
    position: input.position ?? (await nextPosition(tx, 'inbound_routes')),
  };
  const routeId = await saveNamedRow(tx, 'inbound_routes', id, row, 'inbound route');
  await replaceRefs(tx, { type: 'inbound-route', id: routeId, name: input.name }, [
    { role: 'destination', ...input.destination },
  ]);
  tx.afterCommit(() => actor.requestApply(`inbound route ${input.name} saved`, touched('inboundRoutes')));
  return inboundToApi((await listInbound(tx)).find((r) => r.id === routeId)!);
}

export async function removeInbound(tx: Tx, id: number, actor: Actor): Promise<void> {
  if ((await tx('inbound_routes').where({ id }).delete()) === 0)
    throw new NotFoundError(`inbound route ${id}`);
  await removeRefs(tx, { type: 'inbound-route', id });
  tx.afterCommit(() => actor.requestApply(`inbound route ${id} deleted`, touched('inboundRoutes')));
}

// ---- blocked callers

export async function listBlocked(db: Knex): Promise<Array<BlockedCallerState & { id: number }>> {
  return (await db('blocked_callers').orderBy('pattern').select('id', 'pattern', 'action')) as Array<
    BlockedCallerState & { id: number }
  >;
}

export async function addBlocked(tx: Tx, input: BlockedCallerState, actor: Actor) {
  try {
    const [id] = (await tx('blocked_callers').insert(input)) as [number];
    tx.afterCommit(() => actor.requestApply(`caller ${input.pattern} blocked`, touched('blockedCallers')));
    return { id, ...input };
  } catch (err) {
    throw mapDbError(err, 'pattern');
  }
}

export async function removeBlocked(tx: Tx, id: number, actor: Actor): Promise<void> {
  if ((await tx('blocked_callers').where({ id }).delete()) === 0)
    throw new NotFoundError(`blocked caller ${id}`);
  tx.afterCommit(() => actor.requestApply(`blocked caller ${id} removed`, touched('blockedCallers')));
}

async function nextPosition(db: Knex, table: string): Promise<number> {
  const row = (await db(table).max({ p: 'position' }).first()) as { p: number | null } | undefined;
  return (row?.p ?? 0) + 1;
}
