import type { Knex } from 'knex';
import { ConflictError } from '../http/errors';

// Referential integrity across features. A feature that saves something pointing at a
// destination or a greeting replaces its rows here in the same transaction; a feature that
// deletes something asks first whether anything points at it.

export type OwnerType =
  | 'inbound-route'
  | 'ivr'
  | 'announcement'
  | 'time-condition'
  | 'emergency'
  | 'voicemail-box'
  | 'queue'
  | 'ring-group'
  | 'follow-me';
export type RefType = string; // a destination type, or 'greeting'

export interface Owner {
  type: OwnerType;
  id: string | number;
  name: string;
}

export interface Ref {
  role: string; // e.g. "destination", "option 2", "prompt", "timeout"
  type: RefType;
  target: string;
}

export interface Referrer {
  ownerType: OwnerType;
  ownerId: string;
  ownerName: string;
  role: string;
}

const OWNER_LABEL: Record<OwnerType, string> = {
  'inbound-route': 'inbound route',
  ivr: 'IVR',
  announcement: 'announcement',
  'time-condition': 'time condition',
  emergency: 'emergency mode',
  'voicemail-box': 'voicemail box',
  'ring-group': 'ring group',
  'follow-me': 'follow-me of extension',
  queue: 'queue',
};

export async function replaceRefs(db: Knex, owner: Owner, refs: readonly Ref[]): Promise<void> {
  const ownerId = String(owner.id);
  await db('destination_refs').where({ owner_type: owner.type, owner_id: ownerId }).delete();
  // Hang-up and external numbers are not objects: nothing can delete them.
  const rows = refs
    .filter((r) => r.type !== 'hangup' && r.type !== 'external')
    .map((r) => ({
      owner_type: owner.type,
      owner_id: ownerId,
      owner_name: owner.name,
      role: r.role,
      ref_type: r.type,
      ref_target: r.target,
    }));
  if (rows.length > 0) await db('destination_refs').insert(rows);
}

export async function removeRefs(db: Knex, owner: { type: OwnerType; id: string | number }): Promise<void> {
  await db('destination_refs')
    .where({ owner_type: owner.type, owner_id: String(owner.id) })
    .delete();
}

export async function referrersOf(
  db: Knex,
  ref: { type: RefType; target: string | number },
): Promise<Referrer[]> {
  const rows = (await db('destination_refs')
    .where({ ref_type: ref.type, ref_target: String(ref.target) })
    .orderBy(['owner_type', 'owner_name', 'role'])
    .select('owner_type', 'owner_id', 'owner_name', 'role')) as Array<{
    owner_type: OwnerType;
    owner_id: string;
    owner_name: string;
    role: string;
  }>;
  return rows.map((r) => ({
    ownerType: r.owner_type,
    ownerId: r.owner_id,
    ownerName: r.owner_name,
    role: r.role,
  }));
}

export function describeReferrer(r: Referrer): string {
  return `${OWNER_LABEL[r.ownerType]} "${r.ownerName}" (${r.role})`;
}

// 409 naming everything that still points at `ref`; `what` is how the message names it.
export async function assertUnreferenced(
  db: Knex,
  ref: { type: RefType; target: string | number },
  what: string,
): Promise<void> {
  const users = await referrersOf(db, ref);
  if (users.length === 0) return;
  const named = users.map(describeReferrer);
  throw new ConflictError(
    `${what} is in use by ${named.join(', ')}`,
    users.map((u) => ({ path: `${u.ownerType}/${u.ownerId}`, message: describeReferrer(u) })),
  );
}
