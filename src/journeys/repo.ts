import type { Knex } from 'knex';
import type { CallFilters } from './schema';
import type { Direction, JourneyParty, JourneyStep, Outcome } from './types';

// Reads of call_journeys for the call log. A scope limits a user to the calls their own
// extension took part in; admins and supervisors read with scope "all".

export type CallScope = { all: true } | { all: false; extension: string | null };

export interface JourneyRow {
  id: number;
  linkedid: string;
  started_at: Date;
  answered_at: Date | null;
  ended_at: Date;
  direction: Direction;
  caller_number: string;
  caller_name: string;
  called_number: string;
  did: string | null;
  trunk: string | null;
  outcome: Outcome;
  answered_by: string | null;
  queue_number: string | null;
  queue_wait_seconds: string | number | null;
  queue_position: number | null;
  ivr_path: string;
  wait_seconds: string | number;
  talk_seconds: string | number;
  duration_seconds: string | number;
  transfers: number;
  voicemail_box: string | null;
  steps: string | JourneyStep[];
}

export interface RecordingRef {
  id: number;
  started_at: Date;
  duration_seconds: string | number | null;
}

const partyOf = (db: Knex, extension: string) =>
  db('call_journey_parties as p').select('p.journey_id').where('p.extension', extension);

export function filtered(db: Knex, filters: CallFilters, scope: CallScope): Knex.QueryBuilder {
  const q = db('call_journeys as j');
  if (!scope.all) {
    if (scope.extension === null) q.whereRaw('1 = 0');
    else q.whereIn('j.id', partyOf(db, scope.extension));
  }
  if (filters.from) q.where('j.started_at', '>=', filters.from);
  if (filters.to) q.where('j.started_at', '<', filters.to);
  // Digits and + only (schema.ts), so the LIKE pattern has no wildcard of the user's.
  if (filters.number) {
    const like = `%${filters.number}%`;
    q.where((w) => w.where('j.caller_number', 'like', like).orWhere('j.called_number', 'like', like));
  }
  if (filters.extension) q.whereIn('j.id', partyOf(db, filters.extension));
  if (filters.queue) q.where('j.queue_number', filters.queue);
  if (filters.direction) q.where('j.direction', filters.direction);
  if (filters.outcome) q.where('j.outcome', filters.outcome);
  if (filters.did) q.where('j.did', filters.did);
  return q;
}

export async function listJourneys(
  db: Knex,
  filters: CallFilters,
  scope: CallScope,
  page: { page: number; limit: number },
): Promise<{ rows: JourneyRow[]; total: number }> {
  const countRow = (await filtered(db, filters, scope).count<Array<{ n: number | string }>>({ n: '*' }))[0];
  const rows: JourneyRow[] = await filtered(db, filters, scope)
    .select('j.*')
    .orderBy([
      { column: 'j.started_at', order: 'desc' },
      { column: 'j.id', order: 'desc' },
    ])
    .limit(page.limit)
    .offset((page.page - 1) * page.limit);
  return { rows, total: Number(countRow?.n ?? 0) };
}

// Newest first, in pages, so an export of a year of calls never sits in memory at once.
export async function* eachJourney(
  db: Knex,
  filters: CallFilters,
  scope: CallScope,
  pageSize = 1000,
): AsyncGenerator<JourneyRow> {
  let before: { started_at: Date; id: number } | null = null;
  for (;;) {
    const q = filtered(db, filters, scope).select('j.*');
    if (before) {
      const b: { started_at: Date; id: number } = before;
      q.where((w) =>
        w
          .where('j.started_at', '<', b.started_at)
          .orWhere((x) => x.where('j.started_at', b.started_at).where('j.id', '<', b.id)),
      );
    }
    const rows: JourneyRow[] = await q
      .orderBy([
        { column: 'j.started_at', order: 'desc' },
        { column: 'j.id', order: 'desc' },
      ])
      .limit(pageSize);
    for (const r of rows) yield r;
    if (rows.length < pageSize) return;
    const last = rows[rows.length - 1]!;
    before = { started_at: last.started_at, id: last.id };
  }
}

export async function findJourney(db: Knex, id: number): Promise<JourneyRow | undefined> {
  return db('call_journeys').where({ id }).first();
}

export async function partiesOf(db: Knex, journeyId: number): Promise<JourneyParty[]> {
  return db('call_journey_parties')
    .where({ journey_id: journeyId })
    .select('extension', 'role')
    .orderBy([{ column: 'extension' }, { column: 'role' }]);
}

export async function isParty(db: Knex, journeyId: number, extension: string | null): Promise<boolean> {
  if (extension === null) return false;
  return (await db('call_journey_parties').where({ journey_id: journeyId, extension }).first()) !== undefined;
}

export async function recordingsOf(db: Knex, linkedid: string): Promise<RecordingRef[]> {
  return db('recordings')
    .where({ linkedid })
    .whereNull('deleted_at')
    .select('id', 'started_at', 'duration_seconds')
    .orderBy([{ column: 'started_at' }, { column: 'id' }]);
}
