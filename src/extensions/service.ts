import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Actor } from '../apply/trigger';
import { mapDbError } from '../db/mysql-errors';
import type { Tx } from '../db/tx';
import { assertNumberFree } from '../destinations/numbers';
import { assertUnreferenced, removeRefs } from '../destinations/refs';
import { ConflictError, NotFoundError } from '../http/errors';
import { randomSecret } from '../lib/crypto';
import { syncWithFlag as syncVoicemailBoxes } from '../voicemail';
import * as repo from './repo';
import {
  type CreateExtensionInput,
  DEFAULT_CLASSES,
  DEFAULT_CODECS,
  type Extension,
  type PatchExtensionInput,
  type UpdateExtensionInput,
} from './schema';

// The apply trigger, plus what only a deleted extension needs: its registrations dropped once
// the apply has removed its AOR.
export interface ExtensionActor extends Actor {
  extensionsDeleted(numbers: string[]): void;
  // How new extensions get their SIP auth username (config SIP_AUTH_USERNAME).
  authUsernames: 'random' | 'number';
}

export const SECRET_LENGTH = 24;

// 16 lowercase hex characters: 64 random bits, typeable on a phone's keypad UI.
export function newAuthUsername(number: string, mode: 'random' | 'number'): string {
  return mode === 'number' ? number : randomBytes(8).toString('hex');
}

// A typed auth username must be nobody else's: two auths with one username would make the
// digest check depend on which one Asterisk finds first.
async function assertAuthUsernameFree(db: Knex, username: string, number: string): Promise<void> {
  const owner = await db('extensions')
    .where((w) =>
      w
        .where({ auth_username: username })
        .orWhere((n) => n.whereNull('auth_username').where({ number: username })),
    )
    .whereNot({ number })
    .first('number');
  if (owner)
    throw new ConflictError('auth_username is already in use', [
      { path: 'auth_username', message: `already used by extension ${owner.number}` },
    ]);
}

function writable(
  input: CreateExtensionInput | UpdateExtensionInput,
  number: string,
  secret: string,
  authUsername: string,
): repo.ExtensionWrite {
  return {
    number,
    display_name: input.display_name,
    caller_id_name: input.caller_id_name ?? null,
    caller_id_number: input.caller_id_number ?? null,
    email: input.email ?? null,
    sip_secret: secret,
    auth_username: authUsername,
    max_contacts: input.max_contacts ?? 1,
    codecs: (input.codecs ?? DEFAULT_CODECS).join(','),
    voicemail_enabled: input.voicemail_enabled ?? false,
    classes: withEmergency(input.classes ?? DEFAULT_CLASSES).join(','),
    outbound_caller_id: input.outbound_caller_id ?? null,
    language: input.language ?? null,
  };
}

// Emergency numbers always work, whatever an admin unticks.
export function withEmergency(classes: readonly string[]): string[] {
  return classes.includes('emergency') ? [...classes] : [...classes, 'emergency'];
}

// The secret is returned here, on creation, and never by a plain read afterwards.
export async function create(
  tx: Tx,
  input: CreateExtensionInput,
  actor: ExtensionActor,
): Promise<{ extension: Extension; sipSecret: string }> {
  const secret = input.sip_secret ?? randomSecret(SECRET_LENGTH);
  await assertNumberFree(tx, input.number, { what: 'extension', number: input.number });
  const authUsername = input.auth_username ?? newAuthUsername(input.number, actor.authUsernames);
  await assertAuthUsernameFree(tx, authUsername, input.number);
  try {
    await repo.insert(tx, writable(input, input.number, secret, authUsername));
  } catch (err) {
    throw mapDbError(err, 'number');
  }
  await syncVoicemailBoxes(tx, [input.number]);
  tx.afterCommit(() =>
    actor.requestApply(`extension ${input.number} created`, { extensions: [input.number] }),
  );
  return { extension: repo.toApi((await repo.findByNumber(tx, input.number))!), sipSecret: secret };
}

export async function replace(
  tx: Tx,
  number: string,
  input: UpdateExtensionInput,
  actor: ExtensionActor,
): Promise<Extension> {
  const existing = await mustFind(tx, number);
  const authUsername = input.auth_username ?? existing.auth_username ?? number;
  await assertAuthUsernameFree(tx, authUsername, number);
  // No secret given: the stored (sealed) one stays as it is.
  const { sip_secret, ...rest } = writable(input, number, input.sip_secret ?? '', authUsername);
  await repo.update(tx, number, input.sip_secret === undefined ? rest : { ...rest, sip_secret });
  await syncVoicemailBoxes(tx, [number]);
  tx.afterCommit(() => actor.requestApply(`extension ${number} updated`, { extensions: [number] }));
  return repo.toApi((await repo.findByNumber(tx, number))!);
}

export async function patch(
  tx: Tx,
  number: string,
  input: PatchExtensionInput,
  actor: ExtensionActor,
): Promise<Extension> {
  await mustFind(tx, number);
  const row: Partial<repo.ExtensionWrite> = {};
  if (input.display_name !== undefined) row.display_name = input.display_name;
  if (input.caller_id_name !== undefined) row.caller_id_name = input.caller_id_name;
  if (input.caller_id_number !== undefined) row.caller_id_number = input.caller_id_number;
  if (input.email !== undefined) row.email = input.email;
  if (input.sip_secret !== undefined) row.sip_secret = input.sip_secret;
  if (input.auth_username !== undefined) {
    await assertAuthUsernameFree(tx, input.auth_username, number);
    row.auth_username = input.auth_username;
  }
  if (input.max_contacts !== undefined) row.max_contacts = input.max_contacts;
  if (input.codecs !== undefined) row.codecs = input.codecs.join(',');
  if (input.voicemail_enabled !== undefined) row.voicemail_enabled = input.voicemail_enabled;
  if (input.classes !== undefined) row.classes = withEmergency(input.classes).join(',');
  if (input.outbound_caller_id !== undefined) row.outbound_caller_id = input.outbound_caller_id;
  if (input.language !== undefined) row.language = input.language;
  if (Object.keys(row).length > 0) {
    await repo.update(tx, number, row);
    await syncVoicemailBoxes(tx, [number]);
    tx.afterCommit(() => actor.requestApply(`extension ${number} updated`, { extensions: [number] }));
  }
  return repo.toApi((await repo.findByNumber(tx, number))!);
}

export async function remove(tx: Tx, number: string, actor: ExtensionActor): Promise<void> {
  // Its follow-me goes with it (FK cascade), so what that points at must not block the deletion.
  await removeRefs(tx, { type: 'follow-me', id: number });
  await assertUnreferenced(tx, { type: 'extension', target: number }, `extension ${number}`);
  await assertUnreferenced(
    tx,
    { type: 'voicemail', target: number },
    `the voicemail box of extension ${number}`,
  );
  await removeRefs(tx, { type: 'voicemail-box', id: number });
  if ((await repo.remove(tx, number)) === 0) throw new NotFoundError(`extension ${number}`);
  tx.afterCommit(() => actor.extensionsDeleted([number]));
}

export async function get(db: Knex, number: string): Promise<Extension> {
  return repo.toApi(await mustFind(db, number));
}

// What a phone is provisioned with: the secret and the auth username beside it.
export async function revealSecret(
  db: Knex,
  number: string,
): Promise<{ sipSecret: string; authUsername: string }> {
  const row = await mustFind(db, number);
  return { sipSecret: repo.plainSecret(row), authUsername: row.auth_username ?? number };
}

async function mustFind(db: Knex, number: string): Promise<repo.ExtensionRow> {
  const row = await repo.findByNumber(db, number);
  if (!row) throw new NotFoundError(`extension ${number}`);
  return row;
}
