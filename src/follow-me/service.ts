import type { Knex } from 'knex';
import { touched } from '../apply/scope';
import type { Actor } from '../apply/trigger';
import type { AuthUser } from '../auth/middleware';
import type { Tx } from '../db/tx';
import { assertDestinationExists } from '../destinations';
import { assertExtensionsExist } from '../destinations/extensions';
import { type Ref, replaceRefs } from '../destinations/refs';
import { assertAdminOrOwner } from '../http/access';
import { NotFoundError, UnprocessableError } from '../http/errors';
import { assertForwardTargets } from '../toll-guard';
import * as repo from './repo';
import type { FollowMeInput } from './schema';

// Admins manage everyone's follow-me; a user only that of their own extension.
export function assertFollowMeAccess(user: AuthUser | undefined, number: string): void {
  assertAdminOrOwner(user, number, 'you may only change the follow-me of your own extension');
}

async function assertExtension(db: Knex, number: string): Promise<void> {
  if (!(await db('extensions').where({ number }).first('number')))
    throw new NotFoundError(`extension ${number}`);
}

export interface FollowMeApi {
  extension: string;
  enabled: boolean;
  steps: Array<{ kind: 'extension' | 'external'; target: string; ring_seconds: number; confirm: boolean }>;
  final_destination: { type: string; target: string } | null;
  // Where the call ends when final_destination is null.
  default_final_destination: { type: string; target: string };
}

export async function getFollowMe(db: Knex, number: string): Promise<FollowMeApi> {
  await assertExtension(db, number);
  const [row, steps, box] = await Promise.all([
    repo.find(db, number),
    repo.steps(db, [number]),
    db('voicemail_boxes').where({ extension_number: number }).first('extension_number'),
  ]);
  return {
    extension: number,
    enabled: Boolean(row?.enabled),
    steps: steps.map((s) => ({
      kind: s.kind,
      target: s.target,
      ring_seconds: s.ring_seconds,
      confirm: Boolean(s.confirm),
    })),
    final_destination:
      row?.final_destination_type != null
        ? { type: row.final_destination_type, target: row.final_destination_target ?? '' }
        : null,
    default_final_destination: box ? { type: 'voicemail', target: number } : { type: 'hangup', target: '' },
  };
}

function refsOf(input: FollowMeInput): Ref[] {
  const refs: Ref[] = input.steps
    .filter((s) => s.kind === 'extension')
    .map((s, i) => ({ role: `step ${i + 1}`, type: 'extension', target: s.target }));
  if (input.final_destination) refs.push({ role: 'final destination', ...input.final_destination });
  return refs;
}

export async function saveFollowMe(
  tx: Tx,
  number: string,
  input: FollowMeInput,
  actor: Actor,
): Promise<FollowMeApi> {
  if (!(await tx('extensions').where({ number }).forUpdate().first('number')))
    throw new NotFoundError(`extension ${number}`);
  await assertExtensionsExist(tx, input.steps, 'steps');
  // External steps and an external final destination are forwarding by another name: the same
  // permission and the same refusal of emergency numbers and short codes (toll-guard).
  await assertForwardTargets(tx, number, [
    ...input.steps.flatMap((s, i) =>
      s.kind === 'external' ? [{ path: `steps.${i}.target`, number: s.target }] : [],
    ),
    ...(input.final_destination?.type === 'external'
      ? [{ path: 'final_destination.target', number: input.final_destination.target }]
      : []),
  ]);
  if (input.final_destination) {
    await assertDestinationExists(tx, input.final_destination, 'final_destination');
    // Calls to the extension itself start its follow-me again: round and round.
    if (input.final_destination.type === 'extension' && input.final_destination.target === number)
      throw new UnprocessableError('the final destination cannot be the extension itself', [
        { path: 'final_destination', message: 'this extension would start its follow-me again' },
      ]);
  }
  await repo.upsert(tx, {
    extension_number: number,
    enabled: input.enabled,
    final_destination_type: input.final_destination?.type ?? null,
    final_destination_target: input.final_destination?.target ?? null,
  });
  await repo.replaceSteps(
    tx,
    number,
    input.steps.map((s) => ({
      kind: s.kind,
      target: s.target,
      ring_seconds: s.ring_seconds,
      confirm: s.confirm,
    })),
  );
  await replaceRefs(tx, { type: 'follow-me', id: number, name: number }, refsOf(input));
  tx.afterCommit(() => actor.requestApply(`follow-me of extension ${number} saved`, touched('followMe')));
  return getFollowMe(tx, number);
}
