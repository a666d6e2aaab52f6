import type { Knex } from 'knex';
import { replaceOrdered } from '../lib/save-row';
import type { FollowMeState, FollowMeStepState } from './state';

export interface FollowMeRow {
  extension_number: string;
  enabled: number | boolean;
  final_destination_type: string | null;
  final_destination_target: string | null;
}

export interface StepRow {
  extension_number: string;
  position: number;
  kind: 'extension' | 'external';
  target: string;
  ring_seconds: number;
  confirm: number | boolean;
}

export async function find(db: Knex, number: string): Promise<FollowMeRow | undefined> {
  return (await db('follow_me').where({ extension_number: number }).first()) as FollowMeRow | undefined;
}

export async function steps(db: Knex, numbers?: readonly string[]): Promise<StepRow[]> {
  const q = db('follow_me_steps').orderBy(['extension_number', 'position']);
  if (numbers) q.whereIn('extension_number', numbers);
  return (await q.select(
    'extension_number',
    'position',
    'kind',
    'target',
    'ring_seconds',
    'confirm',
  )) as StepRow[];
}

export async function upsert(db: Knex, row: FollowMeRow): Promise<void> {
  await db('follow_me')
    .insert(row)
    .onConflict('extension_number')
    .merge({ ...row, updated_at: db.fn.now(3) });
}

export async function replaceSteps(
  db: Knex,
  number: string,
  rows: ReadonlyArray<Omit<StepRow, 'extension_number' | 'position'>>,
): Promise<void> {
  await replaceOrdered(db, 'follow_me_steps', { extension_number: number }, rows);
}

export function toStep(s: StepRow): FollowMeStepState {
  return { kind: s.kind, target: s.target, ringSeconds: s.ring_seconds, confirm: Boolean(s.confirm) };
}

// Only follow-me that is on; the final destination is resolved here (voicemail box of the
// extension if it has one, else hang up), so the renderer stays a plain mapping.
export async function listFollowMeForRender(db: Knex): Promise<FollowMeState[]> {
  const rows = (await db('follow_me as f')
    .leftJoin('voicemail_boxes as v', 'v.extension_number', 'f.extension_number')
    .where('f.enabled', true)
    .orderBy('f.extension_number')
    .select(
      'f.extension_number',
      'f.final_destination_type',
      'f.final_destination_target',
      'v.extension_number as box',
    )) as Array<{
    extension_number: string;
    final_destination_type: string | null;
    final_destination_target: string | null;
    box: string | null;
  }>;
  if (rows.length === 0) return [];
  const all = await steps(
    db,
    rows.map((r) => r.extension_number),
  );
  return rows.map((r) => ({
    extension: r.extension_number,
    steps: all.filter((s) => s.extension_number === r.extension_number).map(toStep),
    finalDestination:
      r.final_destination_type !== null
        ? { type: r.final_destination_type, target: r.final_destination_target ?? '' }
        : r.box !== null
          ? { type: 'voicemail', target: r.extension_number }
          : { type: 'hangup', target: '' },
  }));
}
