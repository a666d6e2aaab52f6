import type { Knex } from 'knex';
import type { Grouping, Kpi } from '../types';
import type { RangePreset } from './ranges';
import type { ReportFiltersInput, ReportTemplateInput, ReportTemplateView } from './schema';

interface TemplateRow {
  id: number;
  name: string;
  group_by: string;
  kpis: string | Kpi[];
  filters: string | ReportFiltersInput;
  range_preset: string;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

// mysql2 hands JSON columns back parsed on MySQL but as text on MariaDB (JSON is LONGTEXT there).
const json = <T>(v: string | T): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

function view(r: TemplateRow): ReportTemplateView {
  return {
    id: r.id,
    name: r.name,
    group_by: r.group_by as Grouping,
    kpis: json<Kpi[]>(r.kpis),
    filters: json<ReportFiltersInput>(r.filters),
    range_preset: r.range_preset as RangePreset,
    created_by: r.created_by,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}

const columns = (t: ReportTemplateInput) => ({
  name: t.name,
  group_by: t.group_by,
  kpis: JSON.stringify(t.kpis),
  filters: JSON.stringify(t.filters),
  range_preset: t.range_preset,
});

export async function list(db: Knex): Promise<ReportTemplateView[]> {
  return ((await db('report_templates').orderBy('name')) as TemplateRow[]).map(view);
}

export async function get(db: Knex, id: number): Promise<ReportTemplateView | undefined> {
  const row = (await db('report_templates').where({ id }).first()) as TemplateRow | undefined;
  return row ? view(row) : undefined;
}

export async function insert(db: Knex, t: ReportTemplateInput, createdBy: string): Promise<number> {
  const [id] = (await db('report_templates').insert({
    ...columns(t),
    created_by: createdBy.slice(0, 80),
  })) as [number];
  return id;
}

export async function update(db: Knex, id: number, t: ReportTemplateInput): Promise<number> {
  return db('report_templates')
    .where({ id })
    .update({ ...columns(t), updated_at: db.fn.now(3) });
}

export async function remove(db: Knex, id: number): Promise<number> {
  return db('report_templates').where({ id }).delete();
}
