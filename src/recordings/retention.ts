import { rm } from 'node:fs/promises';
import type { Deps } from '../deps';
import { recordingPath } from './files';

// Deletes recordings older than their policy's retention (file first, then marks the row, so a
// failed delete is retried next hour). The row stays, with deleted_at, for the call's history.
// An admin's delete: the same as retention for one recording, whatever its policy says.
export async function deleteRecording(deps: Deps, id: number, now: Date = new Date()): Promise<boolean> {
  const row = (await deps.db('recordings').where({ id }).first('id', 'file_name', 'deleted_at')) as
    | { id: number; file_name: string; deleted_at: Date | null }
    | undefined;
  if (!row) return false;
  if (row.deleted_at) return true;
  await rm(recordingPath(deps.config.asteriskMonitorDir, row.file_name), { force: true });
  await deps.db('recordings').where({ id }).whereNull('deleted_at').update({ deleted_at: now });
  deps.log.info({ recording: id }, 'recording deleted by an admin');
  return true;
}

export async function enforceRetentionOnce(deps: Deps, now: Date = new Date()): Promise<number> {
  const due = (await deps
    .db('recordings')
    .whereNull('deleted_at')
    .whereNotNull('retention_days')
    .whereRaw('DATE_ADD(started_at, INTERVAL retention_days DAY) <= ?', [now])
    .select('id', 'file_name')) as { id: number; file_name: string }[];
  let deleted = 0;
  for (const r of due) {
    try {
      await rm(recordingPath(deps.config.asteriskMonitorDir, r.file_name), { force: true });
    } catch (err) {
      deps.log.error({ err, recording: r.id }, 'could not delete an expired recording');
      continue;
    }
    await deps.db('recordings').where({ id: r.id }).whereNull('deleted_at').update({ deleted_at: now });
    deleted++;
  }
  if (deleted > 0) deps.log.info({ deleted }, 'expired recordings deleted');
  return deleted;
}
