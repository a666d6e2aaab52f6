import type { Knex } from 'knex';
import type { AuthUser } from '../auth/middleware';
import { AppError, ForbiddenError, NotFoundError } from '../http/errors';
import { restrictToAllowed } from './access';
import type { RecordingListQueryInput } from './schema';

export interface RecordingRow {
  id: number;
  linkedid: string;
  uniqueid: string;
  file_name: string;
  policy_target: 'extension' | 'queue' | 'route' | 'on_demand';
  policy_ref: string;
  retention_days: number | null;
  started_at: Date;
  bytes: number | null;
  duration_seconds: string | null;
  deleted_at: Date | null;
}

export interface RecordingApi {
  id: number;
  linkedid: string;
  uniqueid: string;
  file_name: string;
  policy_target: RecordingRow['policy_target'];
  policy_ref: string;
  retention_days: number | null;
  started_at: string;
  bytes: number | null;
  duration_seconds: number | null;
  deleted_at: string | null;
  expires_at: string | null;
  audio_url: string | null;
}

export class GoneError extends AppError {
  constructor(message: string) {
    super(410, 'gone', message);
  }
}

const COLUMNS = [
  'r.id',
  'r.linkedid',
  'r.uniqueid',
  'r.file_name',
  'r.policy_target',
  'r.policy_ref',
  'r.retention_days',
  'r.started_at',
  'r.bytes',
  'r.duration_seconds',
  'r.deleted_at',
];

export function recordingToApi(r: RecordingRow): RecordingApi {
  const started = new Date(r.started_at);
  return {
    id: Number(r.id),
    linkedid: r.linkedid,
    uniqueid: r.uniqueid,
    file_name: r.file_name,
    policy_target: r.policy_target,
    policy_ref: r.policy_ref,
    retention_days: r.retention_days,
    started_at: started.toISOString(),
    bytes: r.bytes === null ? null : Number(r.bytes),
    duration_seconds: r.duration_seconds === null ? null : Number(r.duration_seconds),
    deleted_at: r.deleted_at ? new Date(r.deleted_at).toISOString() : null,
    expires_at:
      r.retention_days === null
        ? null
        : new Date(started.getTime() + r.retention_days * 86_400_000).toISOString(),
    audio_url: r.deleted_at ? null : `/api/v1/recordings/${r.id}/audio`,
  };
}

// A subquery over the call journey (j) of the recording (r) in the outer query.
function sameJourney(db: Knex, q: Knex.QueryBuilder): Knex.QueryBuilder {
  return q.select(db.raw('1')).from('call_journeys as j').whereRaw('j.linkedid = r.linkedid');
}

export async function listRecordings(
  db: Knex,
  user: AuthUser,
  query: RecordingListQueryInput,
): Promise<RecordingApi[]> {
  const qb = db('recordings as r').select(COLUMNS).whereNull('r.deleted_at');
  if (query.from) qb.where('r.started_at', '>=', new Date(query.from));
  if (query.to) qb.where('r.started_at', '<', new Date(query.to));
  if (query.extension) {
    const ext = query.extension;
    qb.where((w) =>
      w
        .whereExists((q) =>
          sameJourney(db, q)
            .join('call_journey_parties as p', 'p.journey_id', 'j.id')
            .where('p.extension', ext),
        )
        .orWhereExists((q) =>
          q
            .select(db.raw('1'))
            .from('cdr_records as c')
            .whereRaw('c.linkedid = r.linkedid')
            .where((c) =>
              c
                .where('c.channel', 'like', `PJSIP/${ext}-%`)
                .orWhere('c.dstchannel', 'like', `PJSIP/${ext}-%`),
            ),
        ),
    );
  }
  if (query.queue) {
    const queue = query.queue;
    qb.where((w) =>
      w
        .whereExists((q) => sameJourney(db, q).where('j.queue_number', queue))
        .orWhere((o) => o.where('r.policy_target', 'queue').where('r.policy_ref', queue)),
    );
  }
  restrictToAllowed(db, qb, user);
  const rows = (await qb
    .orderBy('r.started_at', 'desc')
    .orderBy('r.id', 'desc')
    .limit(query.limit)) as RecordingRow[];
  return rows.map(recordingToApi);
}

// 404 when there is no such recording, 403 when it exists but is not this user's to hear,
// 410 (for the audio) once retention deleted it.
export async function getAllowedRecording(db: Knex, user: AuthUser, id: number): Promise<RecordingRow> {
  const row = (await db('recordings as r').where('r.id', id).first(COLUMNS)) as RecordingRow | undefined;
  if (!row) throw new NotFoundError(`recording ${id}`);
  const qb = db('recordings as r').where('r.id', id).first('r.id');
  restrictToAllowed(db, qb, user);
  if (!(await qb)) throw new ForbiddenError('this recording is not of a call you may listen to');
  return row;
}

// The journey this recording belongs to, when built: shown next to the player.
export async function journeyOf(
  db: Knex,
  linkedid: string,
): Promise<{ id: number; caller_number: string; called_number: string; queue_number: string | null } | null> {
  const row = (await db('call_journeys')
    .where({ linkedid })
    .first('id', 'caller_number', 'called_number', 'queue_number')) as
    | { id: number; caller_number: string; called_number: string; queue_number: string | null }
    | undefined;
  return row ?? null;
}
