import type { Knex } from 'knex';
import { touched } from '../apply/scope';
import type { Actor } from '../apply/trigger';
import { mapDbError } from '../db/mysql-errors';
import type { Tx } from '../db/tx';
import { ConflictError, NotFoundError, ValidationError } from '../http/errors';
import * as repo from './repo';
import type { TrunkInput, TrunkUpdate } from './schema';

export async function create(tx: Tx, input: TrunkInput, actor: Actor) {
  let id: number;
  try {
    [id] = (await tx('trunks').insert({ name: input.name, ...repo.toRow(withPeers(input)) })) as [number];
  } catch (err) {
    throw mapDbError(err, 'name');
  }
  tx.afterCommit(() => actor.requestApply(`trunk ${input.name} created`, touched('trunks')));
  return repo.toApi((await repo.find(tx, id))!);
}

export async function update(tx: Tx, id: number, input: TrunkUpdate, actor: Actor) {
  const existing = await mustFind(tx, id);
  if (input.kind === 'registration' && !input.password && !existing.password) {
    throw new ValidationError([{ path: 'password', message: 'required for a registration trunk' }]);
  }
  // A stored password goes only to the server it was entered for: pointing the trunk elsewhere
  // (host, port or transport) with the password left out would hand it to whoever runs the new
  // address, so the password must come again (or null, to drop it).
  const moved =
    input.host !== existing.host || input.port !== existing.port || input.transport !== existing.transport;
  if (moved && input.password === undefined && existing.password !== null) {
    throw new ValidationError(
      [
        {
          path: 'password',
          message:
            'enter the password again: the host, port or transport changed, and the stored password is only sent to the server it was entered for',
        },
      ],
      'the trunk’s server changed: its password must be entered again',
    );
  }
  // A password left out keeps the stored one (sealed, as it is): it is never sent back to clients.
  const { password, ...rest } = repo.toRow(withPeers({ ...input, password: input.password ?? null }));
  await tx('trunks')
    .where({ id })
    .update({ ...rest, ...(input.password === undefined ? {} : { password }), updated_at: tx.fn.now(3) });
  tx.afterCommit(() => actor.requestApply(`trunk ${existing.name} updated`, touched('trunks')));
  return repo.toApi((await repo.find(tx, id))!);
}

export async function remove(tx: Tx, id: number, actor: Actor): Promise<void> {
  const trunk = await mustFind(tx, id);
  const users = (await tx('outbound_route_trunks')
    .join('outbound_routes', 'outbound_routes.id', 'outbound_route_trunks.route_id')
    .where('outbound_route_trunks.trunk_id', id)
    .pluck('outbound_routes.name')) as string[];
  if (users.length > 0) {
    throw new ConflictError(
      `trunk ${trunk.name} is used by outbound route(s): ${users.join(', ')}`,
      users.map((name) => ({ path: 'outbound_routes', message: name })),
    );
  }
  await tx('trunks').where({ id }).delete();
  tx.afterCommit(() => actor.requestApply(`trunk ${trunk.name} deleted`, touched('trunks')));
}

export async function mustFind(db: Knex, id: number): Promise<repo.TrunkRow> {
  const row = await repo.find(db, id);
  if (!row) throw new NotFoundError(`trunk ${id}`);
  return row;
}

// A registration trunk's own server is where its inbound calls come from.
function withPeers<T extends { kind: string; host: string; peer_addresses: string[] }>(input: T): T {
  if (input.peer_addresses.length > 0 || !/^[0-9.]+$/.test(input.host)) return input;
  return { ...input, peer_addresses: [input.host] };
}
