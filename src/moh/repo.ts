import type { Knex } from 'knex';
import { asteriskDirectory } from './files';
import { className } from './schema';
import type { MohClassState } from './state';

export interface MohClassRow {
  id: number;
  name: string;
  sort: 'random' | 'alpha';
  created_at: Date;
  updated_at: Date;
}

export interface MohFileRow {
  id: number;
  class_id: number;
  name: string;
  disk_name: string;
  duration_ms: number;
  bytes: number;
  created_at: Date;
}

export async function listClasses(db: Knex): Promise<MohClassRow[]> {
  return (await db('moh_classes').orderBy([{ column: 'name' }, { column: 'id' }])) as MohClassRow[];
}

export async function countClasses(db: Knex): Promise<number> {
  const row = (await db('moh_classes').count({ n: '*' }).first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

export async function findClass(db: Knex, id: number): Promise<MohClassRow | undefined> {
  return (await db('moh_classes').where({ id }).first()) as MohClassRow | undefined;
}

// Serialises changes to one class's files (count limit, disk names).
export async function lockClass(db: Knex, id: number): Promise<MohClassRow | undefined> {
  return (await db('moh_classes').where({ id }).forUpdate().first()) as MohClassRow | undefined;
}

export async function insertClass(db: Knex, row: Pick<MohClassRow, 'name' | 'sort'>): Promise<number> {
  const [id] = (await db('moh_classes').insert(row)) as [number];
  return id;
}

export async function updateClass(
  db: Knex,
  id: number,
  row: Partial<Pick<MohClassRow, 'name' | 'sort'>>,
): Promise<number> {
  return db('moh_classes')
    .where({ id })
    .update({ ...row, updated_at: db.fn.now(3) });
}

export async function removeClass(db: Knex, id: number): Promise<number> {
  return db('moh_classes').where({ id }).delete();
}

export async function files(db: Knex, classIds?: readonly number[]): Promise<MohFileRow[]> {
  const q = db('moh_files').orderBy([{ column: 'class_id' }, { column: 'name' }, { column: 'id' }]);
  if (classIds) q.whereIn('class_id', classIds);
  return (await q) as MohFileRow[];
}

export async function findFile(db: Knex, classId: number, fileId: number): Promise<MohFileRow | undefined> {
  return (await db('moh_files').where({ id: fileId, class_id: classId }).first()) as MohFileRow | undefined;
}

export async function insertFile(
  db: Knex,
  row: Pick<MohFileRow, 'class_id' | 'name' | 'duration_ms' | 'bytes'>,
  disk: (id: number) => string,
): Promise<MohFileRow> {
  // The disk name includes the row's id, so the row goes in first with a placeholder.
  const [id] = (await db('moh_files').insert({ ...row, disk_name: '' })) as [number];
  await db('moh_files')
    .where({ id })
    .update({ disk_name: disk(id) });
  await db('moh_classes')
    .where({ id: row.class_id })
    .update({ updated_at: db.fn.now(3) });
  return (await db('moh_files').where({ id }).first()) as MohFileRow;
}

export async function removeFile(db: Knex, classId: number, fileId: number): Promise<number> {
  const n = await db('moh_files').where({ id: fileId, class_id: classId }).delete();
  if (n > 0)
    await db('moh_classes')
      .where({ id: classId })
      .update({ updated_at: db.fn.now(3) });
  return n;
}

// Other features' rows that name a class in a moh_class column (queues; ring groups if they
// grow one). Probed by schema so this works before and after those tables exist.
const USERS = [
  { table: 'queues', label: 'queue', key: 'number' },
  { table: 'ring_groups', label: 'ring group', key: 'number' },
] as const;

export async function usersOf(db: Knex, name: string): Promise<string[]> {
  const out: string[] = [];
  for (const u of USERS) {
    if (!(await db.schema.hasColumn(u.table, 'moh_class'))) continue;
    const hasKey = await db.schema.hasColumn(u.table, u.key);
    const hasName = await db.schema.hasColumn(u.table, 'name');
    const cols = [hasKey ? u.key : 'id', ...(hasName ? ['name'] : [])];
    const rows = (await db(u.table).where({ moh_class: name }).select(cols)) as Array<
      Record<string, unknown>
    >;
    for (const r of rows) {
      const id = String(r[cols[0] as string]);
      out.push(hasName ? `${u.label} ${id} "${String(r['name'])}"` : `${u.label} ${id}`);
    }
  }
  return out;
}

// The renderer's view, every class with its files, in id order.
export async function listMohClassesForRender(db: Knex): Promise<MohClassState[]> {
  const [classes, rows] = await Promise.all([db('moh_classes').orderBy('id'), files(db)]);
  return (classes as MohClassRow[]).map((c) => ({
    name: className(c.id),
    directory: asteriskDirectory(c.id),
    sort: c.sort,
    files: rows
      .filter((f) => f.class_id === c.id)
      .map((f) => f.disk_name)
      .sort(),
  }));
}
