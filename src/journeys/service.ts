import type { Knex } from 'knex';
import type { AuthUser } from '../auth/middleware';
import { ForbiddenError, NotFoundError } from '../http/errors';
import {
  type CallScope,
  findJourney,
  isParty,
  type JourneyRow,
  listJourneys,
  partiesOf,
  recordingsOf,
} from './repo';
import type { CallFilters } from './schema';
import type { JourneyParty, JourneyStep } from './types';

export const DEFAULT_PAGE_SIZE = 50;

// Admins and supervisors see every call; a user only calls their own extension took part in.
export function scopeFor(user: AuthUser): CallScope {
  return user.role === 'user' ? { all: false, extension: user.extensionNumber } : { all: true };
}

const decimal = (v: string | number | null): number | null => (v === null ? null : Number(v));

export interface JourneyApi {
  id: number;
  linkedid: string;
  started_at: string;
  answered_at: string | null;
  ended_at: string;
  direction: string;
  caller_number: string;
  caller_name: string;
  called_number: string;
  did: string | null;
  trunk: string | null;
  outcome: string;
  answered_by: string | null;
  queue_number: string | null;
  queue_wait_seconds: number | null;
  queue_position: number | null;
  ivr_path: string;
  wait_seconds: number;
  talk_seconds: number;
  duration_seconds: number;
  transfers: number;
  voicemail_box: string | null;
}

export function journeyToApi(r: JourneyRow): JourneyApi {
  return {
    id: Number(r.id),
    linkedid: r.linkedid,
    started_at: r.started_at.toISOString(),
    answered_at: r.answered_at ? r.answered_at.toISOString() : null,
    ended_at: r.ended_at.toISOString(),
    direction: r.direction,
    caller_number: r.caller_number,
    caller_name: r.caller_name,
    called_number: r.called_number,
    did: r.did,
    trunk: r.trunk,
    outcome: r.outcome,
    answered_by: r.answered_by,
    queue_number: r.queue_number,
    queue_wait_seconds: decimal(r.queue_wait_seconds),
    queue_position: r.queue_position,
    ivr_path: r.ivr_path,
    wait_seconds: Number(r.wait_seconds),
    talk_seconds: Number(r.talk_seconds),
    duration_seconds: Number(r.duration_seconds),
    transfers: r.transfers,
    voicemail_box: r.voicemail_box,
  };
}

export async function searchCalls(
  db: Knex,
  user: AuthUser,
  filters: CallFilters,
  page: { page?: number | undefined; limit?: number | undefined },
) {
  const p = { page: page.page ?? 1, limit: page.limit ?? DEFAULT_PAGE_SIZE };
  const { rows, total } = await listJourneys(db, filters, scopeFor(user), p);
  return { items: rows.map(journeyToApi), page: p.page, limit: p.limit, total };
}

export interface JourneyDetailApi extends JourneyApi {
  steps: JourneyStep[];
  parties: JourneyParty[];
  recordings: Array<{ id: number; started_at: string; duration_seconds: number | null; audio_url: string }>;
}

export async function callDetail(db: Knex, user: AuthUser, id: number): Promise<JourneyDetailApi> {
  const row = await findJourney(db, id);
  if (!row) throw new NotFoundError('call');
  const scope = scopeFor(user);
  if (!scope.all && !(await isParty(db, row.id, scope.extension)))
    throw new ForbiddenError('this call did not involve your extension');
  const steps = (typeof row.steps === 'string' ? JSON.parse(row.steps) : row.steps) as JourneyStep[];
  return {
    ...journeyToApi(row),
    steps,
    parties: await partiesOf(db, row.id),
    recordings: (await recordingsOf(db, row.linkedid)).map((r) => ({
      id: Number(r.id),
      started_at: r.started_at.toISOString(),
      duration_seconds: decimal(r.duration_seconds),
      audio_url: `/api/v1/recordings/${r.id}/audio`,
    })),
  };
}
