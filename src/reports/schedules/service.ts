import type { Knex } from 'knex';
import { mapDbError } from '../../db/mysql-errors';
import { NotFoundError, ValidationError } from '../../http/errors';
import * as repo from './repo';
import type { ReportScheduleInput, ScheduleView } from './schema';

export const listSchedules = (db: Knex) => repo.list(db);

export async function getSchedule(db: Knex, id: number): Promise<ScheduleView> {
  const s = await repo.get(db, id);
  if (!s) throw new NotFoundError('report schedule');
  return s;
}

export async function saveSchedule(
  db: Knex,
  id: number | null,
  input: ReportScheduleInput,
  defaultTimezone: string,
): Promise<ScheduleView> {
  if (!(await db('report_templates').where({ id: input.template_id }).first('id')))
    throw new ValidationError([
      { path: 'template_id', message: `report template ${input.template_id} does not exist` },
    ]);
  const tz = input.timezone ?? defaultTimezone;
  try {
    if (id === null) return getSchedule(db, await repo.insert(db, input, tz));
    if ((await repo.update(db, id, input, tz)) === 0) throw new NotFoundError('report schedule');
    return getSchedule(db, id);
  } catch (err) {
    throw mapDbError(err);
  }
}

export async function removeSchedule(db: Knex, id: number): Promise<void> {
  if ((await repo.remove(db, id)) === 0) throw new NotFoundError('report schedule');
}

export async function sendLog(db: Knex, id: number) {
  await getSchedule(db, id);
  return (await repo.sends(db, id)).map(repo.sendView);
}
