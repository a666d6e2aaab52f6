import type { Knex } from 'knex';
import type { OverrideMode } from './schema';
import type { HolidayState, TimeConditionState, WeeklyRangeState } from './state';

export type OverrideVia = 'api' | 'ui' | 'phone';

export interface TimeConditionRow {
  id: number;
  name: string;
  timezone: string;
  override: OverrideMode;
  override_by: string | null;
  override_at: Date | null;
  override_via: OverrideVia | null;
  override_pin_hash: string | null;
  open_destination_type: string;
  open_destination_target: string;
  closed_destination_type: string;
  closed_destination_target: string;
  created_at: Date;
  updated_at: Date;
}

interface RangeRow {
  time_condition_id: number;
  day: WeeklyRangeState['day'];
  start: string;
  end: string;
}

interface HolidayRow {
  time_condition_id: number;
  name: string;
  start_date: string;
  end_date: string;
  yearly: number | boolean;
}

export interface TimeConditionRecord {
  row: TimeConditionRow;
  state: TimeConditionState;
}

export async function list(db: Knex, ids?: readonly number[]): Promise<TimeConditionRecord[]> {
  const q = db('time_conditions').orderBy('id');
  if (ids) q.whereIn('id', ids);
  const rows = (await q) as TimeConditionRow[];
  if (rows.length === 0) return [];
  const which = rows.map((r) => r.id);
  const ranges = (await db('time_condition_ranges')
    .whereIn('time_condition_id', which)
    .orderBy('id')) as RangeRow[];
  const holidays = (await db('time_condition_holidays')
    .whereIn('time_condition_id', which)
    .orderBy('id')) as HolidayRow[];
  return rows.map((row) => ({
    row,
    state: {
      id: row.id,
      name: row.name,
      timezone: row.timezone,
      override: row.override,
      weekly: ranges
        .filter((r) => r.time_condition_id === row.id)
        .map((r) => ({ day: r.day, start: r.start, end: r.end })),
      holidays: holidays
        .filter((h) => h.time_condition_id === row.id)
        .map(
          (h): HolidayState => ({
            name: h.name,
            start: h.start_date,
            end: h.end_date,
            yearly: Boolean(h.yearly),
          }),
        ),
      openDestination: { type: row.open_destination_type, target: row.open_destination_target },
      closedDestination: { type: row.closed_destination_type, target: row.closed_destination_target },
    },
  }));
}

export async function find(db: Knex, id: number): Promise<TimeConditionRecord | null> {
  return (await list(db, [id]))[0] ?? null;
}

export async function replaceRules(
  db: Knex,
  id: number,
  weekly: readonly WeeklyRangeState[],
  holidays: readonly HolidayState[],
): Promise<void> {
  await db('time_condition_ranges').where({ time_condition_id: id }).delete();
  await db('time_condition_holidays').where({ time_condition_id: id }).delete();
  if (weekly.length > 0)
    await db('time_condition_ranges').insert(weekly.map((r) => ({ time_condition_id: id, ...r })));
  if (holidays.length > 0)
    await db('time_condition_holidays').insert(
      holidays.map((h) => ({
        time_condition_id: id,
        name: h.name,
        start_date: h.start,
        end_date: h.end,
        yearly: h.yearly,
      })),
    );
}
