import type { Knex } from 'knex';

export type ApplyStatus = 'succeeded' | 'failed' | 'unchanged';

export interface Revision {
  id: number;
  status: ApplyStatus;
  requestedBy: string;
  reasons: string[];
  filesChanged: string[];
  modulesReloaded: string[];
  objectsPushed: number;
  error: string | null;
  startedAt: string;
  durationMs: number;
}

export type NewRevision = Omit<Revision, 'id'>;

interface Row {
  id: number;
  status: ApplyStatus;
  requested_by: string;
  reasons: string;
  files_changed: string;
  modules_reloaded: string;
  objects_pushed: number;
  error: string | null;
  started_at: Date;
  duration_ms: number;
}

function fromRow(r: Row): Revision {
  return {
    id: r.id,
    status: r.status,
    requestedBy: r.requested_by,
    reasons: JSON.parse(r.reasons) as string[],
    filesChanged: JSON.parse(r.files_changed) as string[],
    modulesReloaded: JSON.parse(r.modules_reloaded) as string[],
    objectsPushed: r.objects_pushed,
    error: r.error,
    startedAt: r.started_at.toISOString(),
    durationMs: r.duration_ms,
  };
}

// The API's shape (snake_case, like every other resource).
export function revisionToApi(r: Revision) {
  return {
    id: r.id,
    status: r.status,
    requested_by: r.requestedBy,
    reasons: r.reasons,
    files_changed: r.filesChanged,
    modules_reloaded: r.modulesReloaded,
    objects_pushed: r.objectsPushed,
    error: r.error,
    started_at: r.startedAt,
    duration_ms: r.durationMs,
  };
}

export async function insertRevision(db: Knex, rev: NewRevision): Promise<Revision> {
  const [id] = await db('apply_revisions').insert({
    status: rev.status,
    requested_by: rev.requestedBy.slice(0, 200),
    reasons: JSON.stringify(rev.reasons),
    files_changed: JSON.stringify(rev.filesChanged),
    modules_reloaded: JSON.stringify(rev.modulesReloaded),
    objects_pushed: rev.objectsPushed,
    error: rev.error,
    started_at: new Date(rev.startedAt),
    duration_ms: rev.durationMs,
  });
  return { ...rev, id: Number(id) };
}

export async function listRevisions(db: Knex, limit: number): Promise<Revision[]> {
  const rows = (await db('apply_revisions').orderBy('id', 'desc').limit(limit)) as Row[];
  return rows.map(fromRow);
}

export async function latestRevision(db: Knex): Promise<Revision | null> {
  const [rev] = await listRevisions(db, 1);
  return rev ?? null;
}
