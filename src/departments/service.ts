import type { Knex } from 'knex';
import { mapDbError } from '../db/mysql-errors';
import { withTx } from '../db/tx';
import { ConflictError, NotFoundError, orNotFound, ValidationError } from '../http/errors';
import * as repo from './repo';
import type { DepartmentInput, DepartmentView } from './schema';

export const listDepartments = (db: Knex) => repo.list(db);

export const getDepartment = (db: Knex, id: number): Promise<DepartmentView> =>
  orNotFound(repo.get(db, id), 'department');

// Members must be extensions that exist now; a later deleted extension simply stops matching.
async function checkMembers(db: Knex, input: DepartmentInput): Promise<void> {
  const known = await repo.existingExtensions(db, input.extensions);
  const details = input.extensions.flatMap((e, i) =>
    known.has(e) ? [] : [{ path: `extensions.${i}`, message: `extension ${e} does not exist` }],
  );
  if (details.length) throw new ValidationError(details, 'a member is not an existing extension');
}

export async function saveDepartment(
  db: Knex,
  id: number | null,
  input: DepartmentInput,
): Promise<DepartmentView> {
  await checkMembers(db, input);
  try {
    const saved = await withTx(db, async (tx) => {
      let target = id;
      if (target === null) target = await repo.insert(tx, input.name);
      else if ((await repo.rename(tx, target, input.name)) === 0 && !(await repo.get(tx, target)))
        throw new NotFoundError('department');
      await repo.replaceMembers(tx, target, input.extensions);
      return target;
    });
    return getDepartment(db, saved);
  } catch (err) {
    throw mapDbError(err, 'name');
  }
}

export async function removeDepartment(db: Knex, id: number): Promise<void> {
  const used = await db('report_templates')
    .whereRaw("JSON_EXTRACT(filters, '$.department_id') = ?", [id])
    .first('name');
  if (used) throw new ConflictError(`report template "${String(used.name)}" filters on this department`);
  if ((await repo.remove(db, id)) === 0) throw new NotFoundError('department');
}
