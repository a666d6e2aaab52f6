import type { Knex } from 'knex';
import type { DepartmentView } from './schema';

// Tables departments and department_extensions (migration 20261201110000).
interface DepartmentRow {
  id: number;
  name: string;
}

export async function list(db: Knex, ids?: readonly number[]): Promise<DepartmentView[]> {
  const q = db('departments').orderBy('name').select('id', 'name');
  if (ids) q.whereIn('id', ids);
  const rows = (await q) as DepartmentRow[];
  if (rows.length === 0) return [];
  const members = (await db('department_extensions')
    .whereIn(
      'department_id',
      rows.map((r) => r.id),
    )
    .orderBy('extension')
    .select('department_id', 'extension')) as Array<{ department_id: number; extension: string }>;
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    extensions: members.filter((m) => m.department_id === r.id).map((m) => m.extension),
  }));
}

export async function get(db: Knex, id: number): Promise<DepartmentView | undefined> {
  return (await list(db, [id]))[0];
}

export async function existingExtensions(db: Knex, numbers: readonly string[]): Promise<Set<string>> {
  if (numbers.length === 0) return new Set();
  const rows = (await db('extensions').whereIn('number', numbers).select('number')) as Array<{
    number: string;
  }>;
  return new Set(rows.map((r) => r.number));
}

export async function insert(db: Knex, name: string): Promise<number> {
  const [id] = (await db('departments').insert({ name })) as [number];
  return id;
}

export async function rename(db: Knex, id: number, name: string): Promise<number> {
  return db('departments').where({ id }).update({ name });
}

export async function replaceMembers(db: Knex, id: number, extensions: readonly string[]): Promise<void> {
  await db('department_extensions').where({ department_id: id }).delete();
  if (extensions.length > 0)
    await db('department_extensions').insert(
      extensions.map((extension) => ({ department_id: id, extension })),
    );
}

export async function remove(db: Knex, id: number): Promise<number> {
  return db('departments').where({ id }).delete();
}
