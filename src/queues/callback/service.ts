import type { Knex } from 'knex';
import type { Ari } from '../../asterisk/ari';
import { ConflictError, NotFoundError } from '../../http/errors';
import { calleeChannelId } from './engine';
import * as repo from './repo';
import type { CallbackStatus, CallbackView, ListCallbacksQuery } from './schema';

const CANCELLABLE: readonly CallbackStatus[] = ['pending', 'waiting', 'agent_ringing', 'dialing_caller'];

export async function list(db: Knex, query: ListCallbacksQuery): Promise<CallbackView[]> {
  return (await repo.list(db, query)).map(repo.toView);
}

// A supervisor closes a request that is not yet connected. The row changes first (guarded), so
// whatever the engine is doing with it loses its next transition and lets go; then the calls it
// has in Asterisk are hung up.
export async function cancel(db: Knex, ari: Ari, id: number, by: string): Promise<CallbackView> {
  for (let tries = 0; tries < 3; tries++) {
    const row = await repo.find(db, id);
    if (!row) throw new NotFoundError(`callback ${id}`);
    if (row.status === 'connected') {
      throw new ConflictError(`callback ${id} is connected to an agent right now; it cannot be cancelled`);
    }
    if (!CANCELLABLE.includes(row.status)) throw new ConflictError(`callback ${id} is already ${row.status}`);
    const won = await repo.transition(
      db,
      id,
      { status: row.status, attempts: row.attempts, placeholder_seq: row.placeholder_seq },
      { status: 'cancelled', closed_at: new Date(), closed_by: by.slice(0, 100) },
    );
    if (!won) continue; // the engine moved it meanwhile: look again
    if (row.placeholder_channel) await hangUp(ari, row.placeholder_channel);
    if (row.status === 'dialing_caller') await hangUp(ari, calleeChannelId(id, row.attempts));
    return repo.toView((await repo.find(db, id))!);
  }
  throw new ConflictError(`callback ${id} is changing right now; try again`);
}

// A channel already gone (404) is not an error.
async function hangUp(ari: Ari, channel: string): Promise<void> {
  await ari.hangup(channel);
}
