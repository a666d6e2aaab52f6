import type { Knex } from 'knex';
import { seal, unseal } from '../../lib/sealed';
import type { BoxSettings } from './schema';
import type { VoicemailBoxState } from './state';

// Table voicemail_boxes: one row per extension that has voicemail. extensions.voicemail_enabled
// is kept equal to "this row exists" by the boxes service (both directions).
export const TABLE = 'voicemail_boxes';

export const GREETING_KINDS = ['unavailable', 'busy', 'name', 'temporary'] as const;
export type GreetingKind = (typeof GREETING_KINDS)[number];

export interface BoxRow extends BoxSettings {
  extension_number: string;
  pin: string;
  created_at: Date;
  updated_at: Date;
}

export type BoxWrite = Omit<BoxRow, 'created_at' | 'updated_at'>;

const BOOLEANS = ['attach_audio', 'delete_after_email', 'transcribe', 'skip_pin_from_own_phone'] as const;

function fromDb(raw: Record<string, unknown>): BoxRow {
  const row = { ...raw } as unknown as BoxRow;
  for (const b of BOOLEANS) row[b] = Boolean(raw[b]);
  return row;
}

// The one lookup the other voicemail parts (delivery, visual voicemail) use.
export async function getBox(db: Knex, number: string): Promise<BoxRow | undefined> {
  const raw = (await db(TABLE).where({ extension_number: number }).first()) as
    | Record<string, unknown>
    | undefined;
  return raw ? fromDb(raw) : undefined;
}

export async function listBoxes(db: Knex): Promise<Array<BoxRow & { display_name: string }>> {
  const rows = (await db(TABLE)
    .join('extensions', 'extensions.number', `${TABLE}.extension_number`)
    .select(`${TABLE}.*`, 'extensions.display_name')
    .orderByRaw('CHAR_LENGTH(voicemail_boxes.extension_number), voicemail_boxes.extension_number')) as Array<
    Record<string, unknown>
  >;
  return rows.map((r) => ({ ...fromDb(r), display_name: String(r['display_name']) }));
}

// The PIN arrives in clear and is stored sealed (src/lib/sealed.ts): app_voicemail compares it in
// clear, so it cannot be hashed; listForRender opens it for voicemail.conf, nothing else does.
const sealedPin = <T extends { pin?: string }>(row: T): T =>
  row.pin === undefined ? row : { ...row, pin: seal(row.pin) };

export async function insert(db: Knex, row: BoxWrite): Promise<void> {
  await db(TABLE).insert(sealedPin(row));
}

export async function insertWithPins(
  db: Knex,
  rows: ReadonlyArray<{ extension_number: string; pin: string }>,
): Promise<void> {
  await db(TABLE).insert(rows.map(sealedPin));
}

export async function update(db: Knex, number: string, row: Partial<BoxWrite>): Promise<number> {
  return db(TABLE)
    .where({ extension_number: number })
    .update({ ...sealedPin(row), updated_at: db.fn.now(3) });
}

export async function remove(db: Knex, number: string): Promise<number> {
  return db(TABLE).where({ extension_number: number }).delete();
}

export async function lock(db: Knex, number: string): Promise<BoxRow | undefined> {
  const raw = (await db(TABLE).where({ extension_number: number }).forUpdate().first()) as
    | Record<string, unknown>
    | undefined;
  return raw ? fromDb(raw) : undefined;
}

export async function listForRender(db: Knex): Promise<VoicemailBoxState[]> {
  return (await listBoxes(db)).map((b) => ({
    number: b.extension_number,
    name: b.display_name,
    pin: unseal(b.pin),
    skipPinFromOwnPhone: b.skip_pin_from_own_phone,
  }));
}
