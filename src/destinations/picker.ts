import type { Knex } from 'knex';
import type { Destination } from './index';

// The destination chooser every call-flow form uses: one <select> whose values are
// "type:target", grouped by kind, plus a text box for an external number. The form value is
// only split here; the feature's zod schema validates it like an API body.

export interface DestinationOption {
  value: string;
  label: string;
}

export interface DestinationGroup {
  label: string;
  options: DestinationOption[];
}

const LIMIT = 2000;

export async function destinationOptions(db: Knex): Promise<DestinationGroup[]> {
  const [extensions, ivrs, announcements, timeConditions] = await Promise.all([
    db('extensions').orderBy('number').limit(LIMIT).select('number', 'display_name') as Promise<
      Array<{ number: string; display_name: string }>
    >,
    named(db, 'ivrs'),
    named(db, 'announcements'),
    named(db, 'time_conditions'),
  ]);
  const queues = (await db('queues').orderBy('number').limit(LIMIT).select('number', 'name')) as Array<{
    number: string;
    name: string;
  }>;
  const ringGroups = (await db('ring_groups')
    .orderBy('number')
    .limit(LIMIT)
    .select('number', 'name')) as Array<{
    number: string;
    name: string;
  }>;
  const boxes = (await db('voicemail_boxes')
    .orderBy('extension_number')
    .limit(LIMIT)
    .select('extension_number')) as Array<{ extension_number: string }>;
  return [
    {
      label: 'Extensions',
      options: extensions.map((e) => ({
        value: `extension:${e.number}`,
        label: `${e.number} ${e.display_name}`,
      })),
    },
    { label: 'IVR menus', options: ivrs.map((r) => ({ value: `ivr:${r.id}`, label: r.name })) },
    {
      label: 'Announcements',
      options: announcements.map((r) => ({ value: `announcement:${r.id}`, label: r.name })),
    },
    {
      label: 'Time conditions',
      options: timeConditions.map((r) => ({ value: `time-condition:${r.id}`, label: r.name })),
    },
    {
      label: 'Queues',
      options: queues.map((q) => ({ value: `queue:${q.number}`, label: `${q.number} ${q.name}` })),
    },
    {
      label: 'Ring groups',
      options: ringGroups.map((g) => ({ value: `ring-group:${g.number}`, label: `${g.number} ${g.name}` })),
    },
    {
      label: 'Voicemail boxes',
      options: boxes.map((b) => ({
        value: `voicemail:${b.extension_number}`,
        label: `voicemail ${b.extension_number}`,
      })),
    },
    {
      label: 'Other',
      options: [
        { value: 'external:', label: 'External number (type it below)' },
        { value: 'hangup:', label: 'Hang up' },
      ],
    },
  ].filter((g) => g.options.length > 0);
}

async function named(db: Knex, table: string): Promise<Array<{ id: number; name: string }>> {
  return (await db(table).orderBy('name').limit(LIMIT).select('id', 'name')) as Array<{
    id: number;
    name: string;
  }>;
}

// `field` is the select's name; `<field>_external` holds the external number.
export function destinationFromForm(
  body: Record<string, unknown>,
  field: string,
): { type: string; target: string } {
  const raw = typeof body[field] === 'string' ? (body[field] as string) : '';
  const colon = raw.indexOf(':');
  const type = colon < 0 ? raw : raw.slice(0, colon);
  let target = colon < 0 ? '' : raw.slice(colon + 1);
  if (type === 'external') {
    const typed = body[`${field}_external`];
    target = typeof typed === 'string' ? typed.trim() : '';
  }
  return { type, target };
}

// What the picker shows as selected for a stored (or re-displayed) destination.
export function destinationFormValue(
  dest: Pick<Destination, 'type' | 'target'> | { type: string; target: string } | null,
): {
  value: string;
  external: string;
} {
  if (!dest) return { value: '', external: '' };
  if (dest.type === 'external') return { value: 'external:', external: dest.target };
  return { value: `${dest.type}:${dest.target}`, external: '' };
}
