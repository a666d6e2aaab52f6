import type { Knex } from 'knex';

export interface IvrRow {
  id: number;
  name: string;
  prompt_greeting_id: number | null;
  direct_dial: number | boolean;
  repeat_digit: string | null;
  timeout_seconds: number;
  max_retries: number;
  retry_greeting_id: number | null;
  invalid_destination_type: string;
  invalid_destination_target: string;
}

export interface IvrOptionRow {
  ivr_id: number;
  digit: string;
  destination_type: string;
  destination_target: string;
  language: string | null;
}

export type IvrWrite = Omit<IvrRow, 'id'>;

export async function list(db: Knex, ids?: readonly number[]): Promise<IvrRow[]> {
  const q = db('ivrs').orderBy('id');
  if (ids) q.whereIn('id', ids);
  return (await q.select(
    'id',
    'name',
    'prompt_greeting_id',
    'direct_dial',
    'repeat_digit',
    'timeout_seconds',
    'max_retries',
    'retry_greeting_id',
    'invalid_destination_type',
    'invalid_destination_target',
  )) as IvrRow[];
}

export async function options(db: Knex, ivrIds?: readonly number[]): Promise<IvrOptionRow[]> {
  const q = db('ivr_options').orderBy('id');
  if (ivrIds) q.whereIn('ivr_id', ivrIds);
  return (await q.select(
    'ivr_id',
    'digit',
    'destination_type',
    'destination_target',
    'language',
  )) as IvrOptionRow[];
}

export async function insert(db: Knex, row: IvrWrite): Promise<number> {
  const [id] = (await db('ivrs').insert(row)) as [number];
  return id;
}

export async function update(db: Knex, id: number, row: IvrWrite): Promise<boolean> {
  return (
    (await db('ivrs')
      .where({ id })
      .update({ ...row, updated_at: db.fn.now(3) })) > 0
  );
}

export async function replaceOptions(db: Knex, ivrId: number, rows: readonly Omit<IvrOptionRow, 'ivr_id'>[]) {
  await db('ivr_options').where({ ivr_id: ivrId }).delete();
  if (rows.length > 0) await db('ivr_options').insert(rows.map((r) => ({ ivr_id: ivrId, ...r })));
}

export async function lockName(db: Knex, id: number): Promise<string | undefined> {
  const row = (await db('ivrs').where({ id }).forUpdate().first('name')) as { name: string } | undefined;
  return row?.name;
}

export async function remove(db: Knex, id: number): Promise<number> {
  return db('ivrs').where({ id }).delete();
}
