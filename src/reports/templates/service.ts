import type { Knex } from 'knex';
import { mapDbError } from '../../db/mysql-errors';
import { ConflictError, NotFoundError, orNotFound, ValidationError } from '../../http/errors';
import { runReport } from '../service';
import type { ReportResult } from '../types';
import { type Period, presetPeriod } from './ranges';
import * as repo from './repo';
import { type ReportTemplateInput, type ReportTemplateView, templateQuery } from './schema';

export const listTemplates = (db: Knex) => repo.list(db);

export const getTemplate = (db: Knex, id: number): Promise<ReportTemplateView> =>
  orNotFound(repo.get(db, id), 'report template');

async function checkDepartment(db: Knex, t: ReportTemplateInput): Promise<void> {
  const id = t.filters.department_id;
  if (id === undefined) return;
  if (!(await db('departments').where({ id }).first('id')))
    throw new ValidationError([
      { path: 'filters.department_id', message: `department ${id} does not exist` },
    ]);
}

export async function saveTemplate(
  db: Knex,
  id: number | null,
  t: ReportTemplateInput,
  actor: string,
): Promise<ReportTemplateView> {
  await checkDepartment(db, t);
  try {
    if (id === null) return getTemplate(db, await repo.insert(db, t, actor));
    if ((await repo.update(db, id, t)) === 0) throw new NotFoundError('report template');
    return getTemplate(db, id);
  } catch (err) {
    throw mapDbError(err, 'name');
  }
}

export async function removeTemplate(db: Knex, id: number): Promise<void> {
  const used = await db('report_schedules').where({ template_id: id }).first('id');
  if (used)
    throw new ConflictError(`scheduled report ${String(used.id)} sends this template; delete it first`);
  if ((await repo.remove(db, id)) === 0) throw new NotFoundError('report template');
}

export async function runTemplate(
  db: Knex,
  t: ReportTemplateView,
  period: Period | null,
  timezone: string,
  now = new Date(),
): Promise<{ template: ReportTemplateView; period: { from: string; to: string }; result: ReportResult }> {
  const p = period ?? presetPeriod(t.range_preset, now, timezone);
  const result = await runReport(db, templateQuery(t, p, timezone), { timezone });
  return { template: t, period: { from: p.from.toISOString(), to: p.to.toISOString() }, result };
}
