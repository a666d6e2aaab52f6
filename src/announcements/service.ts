import type { Knex } from 'knex';
import { touched } from '../apply/scope';
import type { Actor } from '../apply/trigger';
import { mapDbError } from '../db/mysql-errors';
import type { Tx } from '../db/tx';
import { assertDestinationExists } from '../destinations';
import { assertUnreferenced, removeRefs, replaceRefs } from '../destinations/refs';
import { NotFoundError, UnprocessableError } from '../http/errors';
import { assertGreetingExists } from '../ivrs';
import type { AnnouncementInput } from './schema';
import type { AnnouncementState } from './state';

interface AnnouncementRow {
  id: number;
  name: string;
  greeting_id: number;
  destination_type: string;
  destination_target: string;
}

export async function listAnnouncements(db: Knex, ids?: readonly number[]): Promise<AnnouncementState[]> {
  const q = db('announcements').orderBy('id');
  if (ids) q.whereIn('id', ids);
  const rows = (await q.select(
    'id',
    'name',
    'greeting_id',
    'destination_type',
    'destination_target',
  )) as AnnouncementRow[];
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    greetingId: r.greeting_id,
    destination: { type: r.destination_type, target: r.destination_target },
  }));
}

export function announcementToApi(a: AnnouncementState) {
  return { id: a.id, name: a.name, greeting_id: a.greetingId, destination: a.destination };
}
export type AnnouncementApi = ReturnType<typeof announcementToApi>;

export async function getAnnouncement(db: Knex, id: number): Promise<AnnouncementApi> {
  const [found] = await listAnnouncements(db, [id]);
  if (!found) throw new NotFoundError(`announcement ${id}`);
  return announcementToApi(found);
}

export async function saveAnnouncement(
  tx: Tx,
  id: number | null,
  input: AnnouncementInput,
  actor: Actor,
): Promise<AnnouncementApi> {
  if (id !== null && !(await tx('announcements').where({ id }).forUpdate().first('id')))
    throw new NotFoundError(`announcement ${id}`);
  await assertGreetingExists(tx, input.greeting_id, 'greeting_id');
  await assertDestinationExists(tx, input.destination);
  if (id !== null) await assertNoLoop(tx, id, input);
  const row = {
    name: input.name,
    greeting_id: input.greeting_id,
    destination_type: input.destination.type,
    destination_target: input.destination.target,
  };
  let annId: number;
  try {
    if (id === null) [annId] = (await tx('announcements').insert(row)) as [number];
    else {
      await tx('announcements')
        .where({ id })
        .update({ ...row, updated_at: tx.fn.now(3) });
      annId = id;
    }
  } catch (err) {
    throw mapDbError(err, 'name');
  }
  await replaceRefs(tx, { type: 'announcement', id: annId, name: input.name }, [
    { role: 'greeting', type: 'greeting', target: String(input.greeting_id) },
    { role: 'destination', ...input.destination },
  ]);
  tx.afterCommit(() => actor.requestApply(`announcement ${input.name} saved`, touched('announcements')));
  return getAnnouncement(tx, annId);
}

// Announcements that lead to announcements would replay forever without the caller doing
// anything: a chain that comes back to this one is refused.
async function assertNoLoop(db: Knex, id: number, input: AnnouncementInput): Promise<void> {
  const seen = new Set<number>();
  let next: { type: string; target: string } = input.destination;
  while (next.type === 'announcement') {
    const target = Number(next.target);
    if (target === id || seen.has(target)) {
      throw new UnprocessableError(
        'the destination leads back to this announcement: callers would loop forever',
        [{ path: 'destination', message: 'leads back to this announcement' }],
      );
    }
    seen.add(target);
    const row = (await db('announcements')
      .where({ id: target })
      .first('destination_type', 'destination_target')) as
      | { destination_type: string; destination_target: string }
      | undefined;
    if (!row) return;
    next = { type: row.destination_type, target: row.destination_target };
  }
}

export async function removeAnnouncement(tx: Tx, id: number, actor: Actor): Promise<void> {
  const row = (await tx('announcements').where({ id }).forUpdate().first('name')) as
    | { name: string }
    | undefined;
  if (!row) throw new NotFoundError(`announcement ${id}`);
  await removeRefs(tx, { type: 'announcement', id });
  await assertUnreferenced(tx, { type: 'announcement', target: id }, `announcement "${row.name}"`);
  await tx('announcements').where({ id }).delete();
  tx.afterCommit(() => actor.requestApply(`announcement ${row.name} deleted`, touched('announcements')));
}
