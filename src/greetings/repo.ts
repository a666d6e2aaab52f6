import type { Knex } from 'knex';

export interface GreetingRow {
  id: number;
  name: string;
  description: string;
  default_language: string;
  created_at: Date;
  updated_at: Date;
}

export type VariantSource = 'upload' | 'tts' | 'phone';

export interface VariantRow {
  id: number;
  greeting_id: number;
  language: string;
  source: VariantSource;
  tts_text: string | null;
  tts_voice: string | null;
  duration_ms: number;
  bytes: number;
  created_at: Date;
  updated_at: Date;
}

export type VariantWrite = Pick<VariantRow, 'source' | 'tts_text' | 'tts_voice' | 'duration_ms' | 'bytes'>;

export async function list(db: Knex): Promise<GreetingRow[]> {
  return (await db('greetings').orderBy([{ column: 'name' }, { column: 'id' }])) as GreetingRow[];
}

export async function find(db: Knex, id: number): Promise<GreetingRow | undefined> {
  return (await db('greetings').where({ id }).first()) as GreetingRow | undefined;
}

export async function variants(db: Knex, greetingIds?: readonly number[]): Promise<VariantRow[]> {
  const q = db('greeting_variants').orderBy([{ column: 'greeting_id' }, { column: 'language' }]);
  if (greetingIds) q.whereIn('greeting_id', greetingIds);
  return (await q) as VariantRow[];
}

export async function insert(db: Knex, row: Pick<GreetingRow, 'name' | 'description' | 'default_language'>) {
  const [id] = (await db('greetings').insert(row)) as [number];
  return id;
}

export async function update(
  db: Knex,
  id: number,
  row: Partial<Pick<GreetingRow, 'name' | 'description' | 'default_language'>>,
): Promise<number> {
  return db('greetings')
    .where({ id })
    .update({ ...row, updated_at: db.fn.now(3) });
}

export async function remove(db: Knex, id: number): Promise<number> {
  return db('greetings').where({ id }).delete();
}

export async function upsertVariant(db: Knex, greetingId: number, language: string, row: VariantWrite) {
  const updated = await db('greeting_variants')
    .where({ greeting_id: greetingId, language })
    .update({ ...row, updated_at: db.fn.now(3) });
  if (updated === 0) await db('greeting_variants').insert({ greeting_id: greetingId, language, ...row });
}

export async function removeVariant(db: Knex, greetingId: number, language: string): Promise<number> {
  return db('greeting_variants').where({ greeting_id: greetingId, language }).delete();
}

// Locks the greeting row so concurrent changes to its variants publish files one at a time.
export async function lock(db: Knex, id: number): Promise<GreetingRow | undefined> {
  return (await db('greetings').where({ id }).forUpdate().first()) as GreetingRow | undefined;
}
