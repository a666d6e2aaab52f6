import type { Knex } from 'knex';
import { z } from 'zod';
import { UnprocessableError } from '../http/errors';

// One typed value for "send the call somewhere", used by every feature that ends a call flow
// (inbound routes, IVR options, time conditions, announcements, emergency mode, and later queue
// and ring-group failover). Targets are validated here so that nothing a user types reaches the
// dialplan unchecked: numbers are digits, ids are positive integers.
export const DESTINATION_TYPES = [
  'extension',
  'ring-group',
  'queue',
  'ivr',
  'voicemail',
  'announcement',
  'time-condition',
  'external',
  'hangup',
] as const;
export type DestinationType = (typeof DESTINATION_TYPES)[number];

const number = z.string().regex(/^[1-9][0-9]{1,9}$/, 'must be an extension number');
const id = z
  .union([z.string(), z.number()])
  .transform(String)
  .pipe(z.string().regex(/^[1-9][0-9]{0,9}$/, 'must be the id of an existing object'));

export const Destination = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('extension'), target: number }),
  z.strictObject({ type: z.literal('ring-group'), target: number }),
  z.strictObject({ type: z.literal('queue'), target: number }),
  z.strictObject({ type: z.literal('voicemail'), target: number }),
  z.strictObject({ type: z.literal('ivr'), target: id }),
  z.strictObject({ type: z.literal('announcement'), target: id }),
  z.strictObject({ type: z.literal('time-condition'), target: id }),
  z.strictObject({
    type: z.literal('external'),
    target: z
      .string()
      .regex(/^\+?[0-9]{3,20}$/, 'must be a phone number: digits, optionally starting with +'),
  }),
  z.strictObject({ type: z.literal('hangup'), target: z.literal('').default('') }),
]);
export type Destination = z.infer<typeof Destination>;

// Where each kind of destination lives, for the existence check. Kinds whose feature has not
// been built yet have no table: a destination of that kind cannot exist, so it is refused.
const LOOKUP: Partial<Record<DestinationType, { table: string; column: string; what: string }>> = {
  extension: { table: 'extensions', column: 'number', what: 'extension' },
  ivr: { table: 'ivrs', column: 'id', what: 'IVR menu' },
  announcement: { table: 'announcements', column: 'id', what: 'announcement' },
  'time-condition': { table: 'time_conditions', column: 'id', what: 'time condition' },
  voicemail: { table: 'voicemail_boxes', column: 'extension_number', what: 'voicemail box' },
  queue: { table: 'queues', column: 'number', what: 'queue' },
  'ring-group': { table: 'ring_groups', column: 'number', what: 'ring group' },
};
const NOT_YET: Partial<Record<DestinationType, string>> = {};

export async function assertDestinationExists(
  db: Knex,
  dest: Destination,
  path = 'destination',
): Promise<void> {
  const notYet = NOT_YET[dest.type];
  if (notYet) {
    throw new UnprocessableError(`destination ${dest.type} ${dest.target} does not exist: ${notYet}`, [
      { path: `${path}.target`, message: notYet },
    ]);
  }
  const lookup = LOOKUP[dest.type];
  if (!lookup) return;
  const found = await db(lookup.table)
    .where({ [lookup.column]: dest.target })
    .first(lookup.column);
  if (!found) {
    throw new UnprocessableError(`destination ${lookup.what} ${dest.target} does not exist`, [
      { path: `${path}.target`, message: `no such ${lookup.what}` },
    ]);
  }
}

// Dialplan: every destination is `Goto(sb-dest-<type>,<target or s>,1)`. Each feature renders
// its own sb-dest-<type> context with one entry per object, so a target that does not exist
// has no entry and the call cannot wander into another object's dialplan.
export function destinationGoto(dest: { type: string; target: string }): { context: string; exten: string } {
  return { context: `sb-dest-${dest.type}`, exten: dest.target === '' ? 's' : dest.target };
}

export function describeDestination(dest: { type: string; target: string }): string {
  switch (dest.type) {
    case 'hangup':
      return 'hang up';
    case 'external':
      return `external number ${dest.target}`;
    default:
      return `${dest.type.replace('-', ' ')} ${dest.target}`;
  }
}
