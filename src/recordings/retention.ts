import { rm } from 'node:fs/promises';
import type { Deps } from '../deps';
import { recordingPath } from './files';

// Deletes recordings older than their policy's retention (file first, then marks the row, so a
// failed delete is retried next hour). The row stays, with deleted_at, for the call's history.
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
